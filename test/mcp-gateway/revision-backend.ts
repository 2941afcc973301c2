import { fromJson, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, KledError, Service, silentLogger, type Registry } from "@kled/runtime";
import { CacheScope, type CallToolRequest, type ToolSchema } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { registerMcpServiceHandler, type McpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";

/**
 * An MCP backend written against revision 2026-07-28's fields: tools whose
 * structured output is not an object (structured_value), one that sets both
 * structured fields as a server serving older gateways would, and cache
 * hints of its own (or none, as a backend built before they existed).
 */

/** Each tool's result, as any JSON value, and its output schema. */
export const VALUE_TOOLS: Readonly<Record<string, { value: JsonValue; outputSchema?: Record<string, JsonValue> }>> = {
  dice: { value: [3, 1, 6], outputSchema: { type: "array", items: { type: "integer", minimum: 1, maximum: 6 } } },
  motto: { value: "keep calm", outputSchema: { type: "string" } },
  answer: { value: 42, outputSchema: { type: "integer" } },
  nothing: { value: null },
};

/** The hints it lists with; `undefined` leaves the fields unset. */
export interface RevisionBackendHints {
  lists?: { ttlMs: number; cacheScope: CacheScope };
}

export class RevisionBackend implements McpServiceHandler {
  readonly #hints: RevisionBackendHints;

  constructor(hints: RevisionBackendHints = {}) {
    this.#hints = hints;
  }

  initialize() {
    return { protocolVersion: "2025-11-25", serverInfo: { name: "revision-backend", version: "1.0.0" } };
  }

  ping() {
    return {};
  }

  listTools() {
    const tools: MessageInitShape<typeof ToolSchema>[] = Object.entries(VALUE_TOOLS).map(([name, { outputSchema }]) => ({
      name,
      description: `Returns ${name} as a bare JSON value`,
      inputSchema: { type: "object" },
      ...(outputSchema === undefined ? {} : { outputSchema }),
    }));
    tools.push({
      name: "both_fields",
      description: "Sets structured_value and, for older gateways, structured_content",
      inputSchema: {
        type: "object",
        // SEP-2243: the client mirrors `region` into an Mcp-Param-Region header; the schema must reach it unchanged.
        properties: { region: { type: "string", "x-mcp-header": "Region" } },
      },
    });
    return { tools, nextCursor: "", ...this.#hints.lists };
  }

  callTool(request: CallToolRequest) {
    if (request.name === "both_fields") {
      return {
        structuredValue: fromJson(ValueSchema, ["new"]),
        structuredContent: { result: ["old"] },
        content: [{ content: { case: "text" as const, value: { text: '["new"]' } } }],
      };
    }
    const tool = VALUE_TOOLS[request.name];
    if (tool === undefined) throw new KledError(Code.NotFound, `no tool ${JSON.stringify(request.name)}`);
    return { structuredValue: fromJson(ValueSchema, tool.value), content: [{ content: { case: "text" as const, value: { text: JSON.stringify(tool.value) } } }] };
  }

  // eslint-disable-next-line require-yield
  async *callToolStream(): AsyncGenerator<never> {
    throw new KledError(Code.Unimplemented, "revision backend: no streamed tools");
  }

  listResources() {
    return { resources: [{ uri: "rev://one", name: "one" }], nextCursor: "", ...this.#hints.lists };
  }

  listResourceTemplates() {
    return { resourceTemplates: [], nextCursor: "", ...this.#hints.lists };
  }

  readResource() {
    return { contents: [{ contents: { case: "text" as const, value: { uri: "rev://one", text: "one" } } }], ...this.#hints.lists };
  }

  listPrompts() {
    return { prompts: [], nextCursor: "", ...this.#hints.lists };
  }

  getPrompt(): never {
    throw new KledError(Code.NotFound, "revision backend: no prompts");
  }

  complete() {
    return { completion: { values: [] } };
  }
}

export async function startRevisionBackend(registry: Registry, name: string, hints: RevisionBackendHints = {}): Promise<Service> {
  const service = new Service({ name, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  registerMcpServiceHandler(service.server, new RevisionBackend(hints));
  await service.start();
  return service;
}
