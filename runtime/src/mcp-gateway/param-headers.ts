import type { JsonValue } from "@bufbuild/protobuf";

/**
 * SEP-2243 custom headers (MCP 2026-07-28, Streamable HTTP): a tool's
 * inputSchema may mark a primitive parameter with `x-mcp-header: Name`, and
 * the client then mirrors that argument into an `Mcp-Param-Name` header so
 * that load balancers can route on it. A server that reads the body must
 * refuse a call whose headers say something else than its arguments (400,
 * HeaderMismatch): otherwise whatever routed on the header and the tool that
 * runs on the body see two different requests.
 *
 * The SDK checks this for its high-level McpServer only; the gateway serves
 * a low-level Server, so it checks here, with the same rules.
 */

/** JSON-RPC error code HeaderMismatch (2026-07-28); always answered with HTTP 400. */
export const HEADER_MISMATCH = -32020;

/** The prefix of every custom parameter header. */
export const PARAM_HEADER_PREFIX = "Mcp-Param-";

/** Markers of a Base64-encoded header value (`=?base64?…?=`), case-sensitive per the spec. */
const BASE64_PREFIX = "=?base64?";
const BASE64_SUFFIX = "?=";
/** Canonical padded Base64: what a conforming client produces, and the only form accepted. */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A plain decimal, the header form of an integer compared numerically (`42.0` equals 42). */
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
/** RFC 9110 token: what an `x-mcp-header` name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A plain header value: visible ASCII, space and tab; anything else must come Base64-encoded. */
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;

/** Types an annotated parameter may have; `number` is forbidden by the spec but still checked, as the SDK does. */
const HEADER_TYPES = new Set(["string", "integer", "boolean", "number"]);

/** Keywords whose subschemas are not reachable by a chain of `properties`: an annotation under them invalidates the tool. */
const UNREACHABLE_KEYWORDS = [
  "items",
  "prefixItems",
  "contains",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "patternProperties",
  "dependentSchemas",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "$defs",
  "definitions",
] as const;

/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAPS = new Set<string>(["patternProperties", "dependentSchemas", "$defs", "definitions"]);

/** One annotated parameter of a tool. */
export interface ParamHeader {
  /** The property path in the arguments, e.g. ["target", "region"]. */
  readonly path: readonly string[];
  /** The full header name, e.g. "Mcp-Param-Region". */
  readonly header: string;
  /** The JSON Schema type of the parameter. */
  readonly type: string;
}

/**
 * The annotated parameters of a tool's inputSchema, or undefined when the
 * annotations break SEP-2243's rules (misplaced, not a token, duplicated,
 * on a non-primitive): conforming clients drop such a tool from their list
 * and send no headers for it, so no header is expected. A `number`
 * parameter is against the rules too, but it is checked like an integer.
 */
export function paramHeadersOf(inputSchema: unknown): ParamHeader[] | undefined {
  const found: ParamHeader[] = [];
  const names = new Set<string>();
  const visit = (node: unknown, path: string[], reachable: boolean): boolean => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return true;
    const schema = node as Record<string, unknown>;
    if ("x-mcp-header" in schema) {
      const name = schema["x-mcp-header"];
      const type = schema["type"];
      if (!reachable || path.length === 0 || typeof name !== "string" || !TOKEN.test(name)) return false;
      if (typeof type !== "string" || !HEADER_TYPES.has(type) || names.has(name.toLowerCase())) return false;
      names.add(name.toLowerCase());
      found.push({ path, header: PARAM_HEADER_PREFIX + name, type });
    }
    const properties = schema["properties"];
    if (properties !== null && typeof properties === "object" && !Array.isArray(properties)) {
      for (const [key, child] of Object.entries(properties)) if (!visit(child, [...path, key], reachable)) return false;
    }
    for (const keyword of UNREACHABLE_KEYWORDS) {
      const sub = schema[keyword];
      if (sub === undefined) continue;
      const branches = Array.isArray(sub) ? sub : SCHEMA_MAPS.has(keyword) && sub !== null && typeof sub === "object" ? Object.values(sub) : [sub];
      for (const branch of branches) if (!visit(branch, [...path, `<${keyword}>`], false)) return false;
    }
    return true;
  };
  return visit(inputSchema, [], true) ? found : undefined;
}

/**
 * The string a client sends for an argument value (strings as they are,
 * integers in decimal, booleans as "true"/"false"), or undefined for a value
 * that gets no header: objects, arrays, non-finite numbers and integers
 * beyond JavaScript's safe range.
 */
export function headerStringOf(value: JsonValue | undefined): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)) ? String(value) : undefined;
    default:
      return undefined;
  }
}

/**
 * A header value as the client meant it: the UTF-8 text inside a
 * `=?base64?…?=` sentinel, or the plain value. Undefined when it cannot be
 * one: a sentinel whose payload is not canonical Base64 of UTF-8, or a plain
 * value with characters a header may not carry unencoded (non-ASCII,
 * controls), which the spec tells servers to refuse.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (value.length >= BASE64_PREFIX.length + BASE64_SUFFIX.length && value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX)) {
    const payload = value.slice(BASE64_PREFIX.length, -BASE64_SUFFIX.length);
    if (!CANONICAL_BASE64.test(payload)) return undefined;
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(payload, "base64"));
    } catch {
      return undefined;
    }
  }
  return PLAIN_VALUE.test(value) ? value : undefined;
}

/** Why a call's headers and arguments disagree, with everything its message names. */
export interface ParamHeaderMismatch {
  readonly header: string;
  /** As received; null when the header is absent. */
  readonly headerValue: string | null;
  /** The argument's path, e.g. "arguments.region". */
  readonly argument: string;
  readonly argumentValue: JsonValue;
  readonly message: string;
}

/** Reads a header case-insensitively; null when absent. */
export type HeaderLookup = (name: string) => string | null;

/**
 * The first annotated parameter whose header disagrees with the call's
 * arguments, or undefined when all agree. An argument that is absent or null
 * expects no header (and a header sent for it is ignored); one that is
 * present expects its header, which must decode to the same value. Integers
 * compare numerically, everything else as strings.
 */
export function paramHeaderMismatch(params: readonly ParamHeader[], args: unknown, headerOf: HeaderLookup): ParamHeaderMismatch | undefined {
  for (const param of params) {
    const value = valueAt(args, param.path);
    if (value === undefined || value === null) continue;
    const expected = headerStringOf(value);
    if (expected === undefined) continue;
    const argument = ["arguments", ...param.path].join(".");
    const received = headerOf(param.header);
    const mismatch = (why: string): ParamHeaderMismatch => ({
      header: param.header,
      headerValue: received,
      argument,
      argumentValue: value,
      message: `Header mismatch: ${why}; send ${param.header} with the value of ${argument} (its tool's inputSchema marks it with x-mcp-header)`,
    });
    if (received === null) return mismatch(`the ${param.header} header is missing but ${argument} is ${JSON.stringify(value)}`);
    const decoded = decodeHeaderValue(received);
    if (decoded === undefined) {
      return mismatch(
        `the ${param.header} header value ${JSON.stringify(received)} is not a plain ASCII value nor valid =?base64?…?= of UTF-8 (${argument} is ${JSON.stringify(value)})`,
      );
    }
    const numeric = (param.type === "integer" || param.type === "number") && typeof value === "number" && DECIMAL.test(decoded);
    if (numeric ? Number(decoded) !== value : decoded !== expected) {
      return mismatch(`the ${param.header} header value ${JSON.stringify(received)} does not match ${argument} ${JSON.stringify(value)}`);
    }
  }
  return undefined;
}

/** What the refusal needs to know of the tools: the caller's own view of them. */
export interface ParamHeaderTools {
  /** The inputSchema of the exposed tool, undefined for an unknown one. */
  inputSchemaOf(tool: string): unknown;
  /** Whether the caller may use the tool (asked only of tools with marked parameters). */
  mayUse(tool: string): Promise<boolean>;
}

/**
 * The refusal of a 2026-07-28 tools/call whose Mcp-Param-* headers disagree
 * with its arguments, or undefined to let it through. A tool the caller may
 * not use is let through to fail as unknown: refusing it here would tell
 * who may not see it what its schema marks. A request whose Mcp-Method is
 * not tools/call is left alone too: the SDK refuses it for that first.
 */
export async function refuseParamHeaderMismatch(request: Request, body: unknown, tools: ParamHeaderTools): Promise<Response | undefined> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const { method, params } = body as Record<string, unknown>;
  if (method !== "tools/call" || request.headers.get("mcp-method") !== "tools/call") return undefined;
  if (params === null || typeof params !== "object") return undefined;
  const { name, arguments: args } = params as Record<string, unknown>;
  if (typeof name !== "string") return undefined;
  const declared = paramHeadersOf(tools.inputSchemaOf(name));
  if (declared === undefined || declared.length === 0) return undefined;
  const mismatch = paramHeaderMismatch(declared, args, (header) => request.headers.get(header));
  if (mismatch === undefined || !(await tools.mayUse(name))) return undefined;
  return headerMismatchResponse(mismatch, requestIdOf(body));
}

/** The JSON-RPC id to echo: the request's own when it has a valid one. */
export function requestIdOf(body: unknown): string | number | null {
  const id = body !== null && typeof body === "object" ? (body as Record<string, unknown>)["id"] : undefined;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** The HTTP answer to a mismatch: 400 with the HeaderMismatch error naming the header and both values. */
export function headerMismatchResponse(mismatch: ParamHeaderMismatch, id: string | number | null): Response {
  const { header, headerValue, argument, argumentValue, message } = mismatch;
  const error = { code: HEADER_MISMATCH, message, data: { header, headerValue, argument, argumentValue } };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), { status: 400, headers: { "content-type": "application/json" } });
}

function valueAt(root: unknown, path: readonly string[]): JsonValue | undefined {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node as JsonValue | undefined;
}
