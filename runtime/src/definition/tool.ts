/**
 * A proto method offered as an MCP tool: exactly the `Tool` object of the MCP
 * schema (2025-06-18 and later) as JSON, which protoc-gen-kled writes from the
 * method option `(kled.options.v1.tool)`. The registry record carries it as
 * endpoint metadata {@link TOOL_ENDPOINT_METADATA_KEY}, so a gateway offers a
 * newly deployed service's tools without knowing the service.
 */
export interface ToolDescription {
  /** 1–128 of `[A-Za-z0-9_.-]`; the method's name in snake_case unless the option names it. */
  readonly name: string;
  /** Human-readable name for user interfaces. */
  readonly title?: string;
  /** The method's proto comment. */
  readonly description?: string;
  readonly annotations?: ToolAnnotations;
  /** The request message's proto3 JSON. */
  readonly inputSchema: JsonSchemaObject;
  /** The response message's proto3 JSON: what a call's structured content is. */
  readonly outputSchema?: JsonSchemaObject;
}

/**
 * MCP's tool annotations: hints a client may show or act on, never trust for
 * security. A hint left out takes MCP's default (not read-only, destructive,
 * not idempotent, open world).
 */
export interface ToolAnnotations {
  /** The title again, for clients of revisions before 2025-06-18 that know only this one. */
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  /** Only meaningful when `readOnlyHint` is not true. */
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

/**
 * A JSON Schema (2020-12) whose instances are JSON objects. Generated schemas
 * have no `$schema` (MCP reads a schema without one as 2020-12, and older MCP
 * clients' draft-07 validators reject an unknown `$schema`); types used more
 * than once or recursively are in `$defs`, keyed by full proto name.
 * `required` is a mutable array, as in the MCP SDKs' `Tool` type, so that a
 * description passes to them as it is.
 */
export interface JsonSchemaObject {
  readonly type: "object";
  readonly properties?: { readonly [name: string]: object };
  readonly required?: string[];
  readonly [keyword: string]: unknown;
}

/** The endpoint metadata key whose value is `JSON.stringify(tool)` of a method that is a tool. */
export const TOOL_ENDPOINT_METADATA_KEY = "mcp.tool";
