import { MemoryRegistry, silentLogger } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import type { McpGateway } from "@kled/runtime/mcp";
import {
  decodeHeaderValue,
  HEADER_MISMATCH,
  headerStringOf,
  paramHeaderMismatch,
  paramHeadersOf,
  type ParamHeader,
} from "../../runtime/src/mcp-gateway/param-headers.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textAdapter } from "../auth/support/casbin-oracle.js";
import { INVALID_TOOL, ROUTED_SCHEMA, ROUTED_TOOL, startParamHeaderBackend } from "./param-header-backend.js";
import { connect, startGateway } from "./support.js";

/**
 * SEP-2243 (MCP 2026-07-28): a 2026-07-28 tools/call whose Mcp-Param-*
 * headers disagree with the arguments its tool marks with x-mcp-header is
 * refused with 400 and HeaderMismatch (-32020); so is one whose Mcp-Method
 * or Mcp-Name disagrees with the body (the SDK's own check). 2025-11-25
 * has no such rule and is served as before.
 */

const base64 = (text: string) => `=?base64?${Buffer.from(text, "utf8").toString("base64")}?=`;

describe("x-mcp-header declarations", () => {
  it("are found along chains of properties, nested ones with their path", () => {
    expect(paramHeadersOf(ROUTED_SCHEMA)).toEqual([
      { path: ["region"], header: "Mcp-Param-Region", type: "string" },
      { path: ["shard"], header: "Mcp-Param-Shard", type: "integer" },
      { path: ["dryRun"], header: "Mcp-Param-DryRun", type: "boolean" },
      { path: ["target", "zone"], header: "Mcp-Param-Zone", type: "string" },
    ]);
    expect(paramHeadersOf({ type: "object", properties: { q: { type: "string" } } })).toEqual([]);
    expect(paramHeadersOf(undefined)).toEqual([]);
  });

  it("make the tool invalid, and expect no header, where SEP-2243 forbids them", () => {
    const invalid: unknown[] = [
      { type: "object", properties: { list: { type: "array", items: { type: "string", "x-mcp-header": "A" } } } },
      { type: "object", anyOf: [{ properties: { a: { type: "string", "x-mcp-header": "A" } } }] },
      { type: "object", $defs: { a: { type: "string", "x-mcp-header": "A" } } },
      { type: "object", "x-mcp-header": "Root" },
      { type: "object", properties: { a: { type: "string", "x-mcp-header": "" } } },
      { type: "object", properties: { a: { type: "string", "x-mcp-header": "Has Space" } } },
      { type: "object", properties: { a: { type: "string", "x-mcp-header": "Bad:Colon" } } },
      { type: "object", properties: { a: { type: "object", "x-mcp-header": "A" } } },
      { type: "object", properties: { a: { "x-mcp-header": "A" } } },
      { type: "object", properties: { a: { type: "string", "x-mcp-header": "Dup" }, b: { type: "string", "x-mcp-header": "dup" } } },
    ];
    for (const schema of invalid) expect(paramHeadersOf(schema), JSON.stringify(schema)).toBeUndefined();
  });

  it("on a number parameter (forbidden) are still checked, numerically, as the SDK does", () => {
    expect(paramHeadersOf({ type: "object", properties: { ratio: { type: "number", "x-mcp-header": "Ratio" } } })).toEqual([
      { path: ["ratio"], header: "Mcp-Param-Ratio", type: "number" },
    ]);
  });
});

describe("header values", () => {
  it("convert arguments as clients do: strings as they are, integers in decimal, booleans in lowercase", () => {
    expect(headerStringOf("us-west1")).toBe("us-west1");
    expect(headerStringOf(-7)).toBe("-7");
    expect(headerStringOf(true)).toBe("true");
    expect(headerStringOf(false)).toBe("false");
    // No header for what has no header form.
    expect(headerStringOf({ a: 1 })).toBeUndefined();
    expect(headerStringOf([1])).toBeUndefined();
    expect(headerStringOf(2 ** 53)).toBeUndefined();
  });

  it("decode the spec's Base64 sentinel examples to UTF-8", () => {
    expect(decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?=")).toBe("Hello, 世界");
    expect(decodeHeaderValue("=?base64?IHBhZGRlZCA=?=")).toBe(" padded ");
    expect(decodeHeaderValue("=?base64?bGluZTEKbGluZTI=?=")).toBe("line1\nline2");
    expect(decodeHeaderValue("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=")).toBe("=?base64?literal?=");
    expect(decodeHeaderValue("us-west1")).toBe("us-west1");
  });

  it("are refused when not canonical Base64 of UTF-8, or not plain ASCII without the sentinel", () => {
    expect(decodeHeaderValue("=?base64?SGVsbG8?=")).toBeUndefined(); // unpadded
    expect(decodeHeaderValue("=?base64?SGV*bG8=?=")).toBeUndefined();
    expect(decodeHeaderValue("=?base64?/w==?=")).toBeUndefined(); // 0xFF is not UTF-8
    expect(decodeHeaderValue("Z\u00fcrich")).toBeUndefined();
    // The markers are case-sensitive: this one is a plain value.
    expect(decodeHeaderValue("=?BASE64?SGVsbG8=?=")).toBe("=?BASE64?SGVsbG8=?=");
  });
});

describe("paramHeaderMismatch", () => {
  const declared = paramHeadersOf(ROUTED_SCHEMA) as ParamHeader[];
  const lookup = (headers: Record<string, string>) => (name: string) => new Headers(headers).get(name);

  it("passes headers that match, after decoding, and integers that are equal as numbers", () => {
    const args = { region: "Zürich", shard: 42, dryRun: false, target: { zone: "b" }, query: "select 1" };
    const headers = { "mcp-param-region": base64("Zürich"), "Mcp-Param-Shard": "42.0", "MCP-PARAM-DRYRUN": "false", "mcp-param-zone": "b" };
    expect(paramHeaderMismatch(declared, args, lookup(headers))).toBeUndefined();
  });

  it("expects no header for an absent or null argument, and ignores one sent anyway", () => {
    expect(paramHeaderMismatch(declared, { region: null, query: "x" }, lookup({ "mcp-param-region": "anything" }))).toBeUndefined();
    expect(paramHeaderMismatch(declared, undefined, lookup({}))).toBeUndefined();
    expect(paramHeaderMismatch(declared, { target: "not an object" }, lookup({}))).toBeUndefined();
  });

  it("names the header, the header value and the argument value of a mismatch", () => {
    const wrong = paramHeaderMismatch(declared, { region: "us-west1" }, lookup({ "mcp-param-region": "eu-west1" }));
    expect(wrong).toMatchObject({ header: "Mcp-Param-Region", headerValue: "eu-west1", argument: "arguments.region", argumentValue: "us-west1" });
    expect(wrong?.message).toContain('the Mcp-Param-Region header value "eu-west1" does not match arguments.region "us-west1"');
    const missing = paramHeaderMismatch(declared, { target: { zone: "c" } }, lookup({}));
    expect(missing).toMatchObject({ header: "Mcp-Param-Zone", headerValue: null, argument: "arguments.target.zone", argumentValue: "c" });
    expect(missing?.message).toContain('the Mcp-Param-Zone header is missing but arguments.target.zone is "c"');
  });

  it("compares booleans and non-numeric strings exactly, integers numerically only in plain decimal", () => {
    expect(paramHeaderMismatch(declared, { dryRun: true }, lookup({ "mcp-param-dryrun": "True" }))?.header).toBe("Mcp-Param-DryRun");
    expect(paramHeaderMismatch(declared, { shard: 42 }, lookup({ "mcp-param-shard": "43" }))?.header).toBe("Mcp-Param-Shard");
    expect(paramHeaderMismatch(declared, { shard: 42 }, lookup({ "mcp-param-shard": "4.2e1" }))?.header).toBe("Mcp-Param-Shard");
    expect(paramHeaderMismatch(declared, { region: "Us-West1" }, lookup({ "mcp-param-region": "us-west1" }))?.header).toBe("Mcp-Param-Region");
  });

  it("refuses a malformed sentinel and raw non-ASCII", () => {
    expect(paramHeaderMismatch(declared, { region: "x" }, lookup({ "mcp-param-region": "=?base64?@@?=" }))?.message).toContain("not a plain ASCII value nor valid =?base64?…?=");
    expect(paramHeaderMismatch(declared, { region: "Zürich" }, lookup({ "mcp-param-region": "Z\u00fcrich" }))?.header).toBe("Mcp-Param-Region");
  });
});

/** A hand-made 2026-07-28 POST, as the 2.x client sends it unless `headers` say otherwise. */
async function postCall(url: string, args: Record<string, unknown> | undefined, headers: Record<string, string | undefined> = {}, tool = ROUTED_TOOL) {
  const base: Record<string, string | undefined> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
    "mcp-name": tool,
  };
  const all = Object.entries({ ...base, ...headers }).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const body = {
    jsonrpc: "2.0",
    id: 41,
    method: "tools/call",
    params: {
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1.0.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
      },
      name: tool,
      ...(args === undefined ? {} : { arguments: args }),
    },
  };
  const response = await fetch(url, { method: "POST", headers: all, body: JSON.stringify(body) });
  const text = await response.text();
  // A JSON body, or the one JSON-RPC message of an SSE stream.
  const json = response.headers.get("content-type")?.startsWith("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>)
        .find((message) => "id" in message)
    : (JSON.parse(text) as Record<string, unknown>);
  return { status: response.status, json: json as { id?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } } };
}

/** The arguments a tool of the backend got, from its text answer. */
function textOf(result: unknown): unknown {
  const content = (result as { content: Array<{ type: string; text: string }> }).content;
  return JSON.parse(content[0]?.text ?? "null");
}

const started: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  for (const thing of started.reverse()) await thing.stop();
});

describe("the gateway", () => {
  let gateway: McpGateway;

  beforeAll(async () => {
    const registry = new MemoryRegistry();
    started.push({ stop: () => registry.close() });
    started.push(await startParamHeaderBackend(registry, "params"));
    gateway = await startGateway(registry);
    started.push(gateway);
  });

  /** The 2.x client, 2026-07-28, with every request's headers and status recorded. */
  async function recordingClient(): Promise<{ client: ModernClient; sent: Array<{ headers: Headers; status: number; method: string | undefined }> }> {
    const sent: Array<{ headers: Headers; status: number; method: string | undefined }> = [];
    const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      const body = typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }) : undefined;
      sent.push({ headers: new Headers(init?.headers), status: response.status, method: body?.method });
      return response;
    };
    const client = new ModernClient({ name: "kled-test", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new ModernTransport(new URL(gateway.url), { fetch: recording }));
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    return { client, sent };
  }

  it("serves the 2.x client, which mirrors the marked arguments (Base64 where not plain ASCII)", async () => {
    const { client, sent } = await recordingClient();
    await client.listTools();
    const args = { region: "Zürich", shard: 7, dryRun: true, target: { zone: " b " }, query: "select 1" };
    const result = await client.callTool({ name: ROUTED_TOOL, arguments: args });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toEqual(args);
    const call = sent.filter((request) => request.method === "tools/call");
    expect(call).toHaveLength(1);
    expect(call[0]?.status).toBe(200);
    const headers = call[0]?.headers as Headers;
    expect(headers.get("mcp-method")).toBe("tools/call");
    expect(headers.get("mcp-name")).toBe(ROUTED_TOOL);
    expect(headers.get("mcp-param-region")).toBe(base64("Zürich"));
    expect(headers.get("mcp-param-shard")).toBe("7");
    expect(headers.get("mcp-param-dryrun")).toBe("true");
    expect(headers.get("mcp-param-zone")).toBe(base64(" b "));
    await client.close();
  });

  it("lets a 2.x client that has not listed tools recover: refused once with -32020, it re-lists and retries", async () => {
    const { client, sent } = await recordingClient();
    const result = await client.callTool({ name: ROUTED_TOOL, arguments: { region: "eu-west1" } });
    expect(textOf(result)).toEqual({ region: "eu-west1" });
    expect(sent.filter((request) => request.method !== "server/discover").map((request) => `${request.method} ${request.status}`)).toEqual([
      "tools/call 400",
      "tools/list 200",
      "tools/call 200",
    ]);
    await client.close();
  });

  function post(args: Record<string, unknown> | undefined, headers: Record<string, string | undefined> = {}, tool = ROUTED_TOOL) {
    return postCall(gateway.url, args, headers, tool);
  }

  it("serves a raw POST whose headers match (the control for the refusals below)", async () => {
    const answer = await post({ region: "us-west1", shard: 3 }, { "mcp-param-region": "us-west1", "mcp-param-shard": "3.0" });
    expect(answer.status).toBe(200);
    expect(textOf(answer.json.result)).toEqual({ region: "us-west1", shard: 3 });
    // Nothing marked is present: no header is expected, and one sent anyway is ignored.
    expect((await post({ query: "q", region: null }, { "mcp-param-region": "ignored" })).status).toBe(200);
    expect((await post(undefined)).status).toBe(200);
  });

  it("refuses a wrong Mcp-Param-* header with 400 and -32020 naming the header and both values", async () => {
    const answer = await post({ region: "us-west1" }, { "mcp-param-region": "eu-west1" });
    expect(answer.status).toBe(400);
    expect(answer.json.id).toBe(41);
    expect(answer.json.error?.code).toBe(HEADER_MISMATCH);
    expect(answer.json.error?.message).toContain('the Mcp-Param-Region header value "eu-west1" does not match arguments.region "us-west1"');
    expect(answer.json.error?.data).toEqual({ header: "Mcp-Param-Region", headerValue: "eu-west1", argument: "arguments.region", argumentValue: "us-west1" });
  });

  it("refuses a missing Mcp-Param-* header, nested and integer ones too", async () => {
    const nested = await post({ target: { zone: "b" } });
    expect(nested.status).toBe(400);
    expect(nested.json.error?.code).toBe(HEADER_MISMATCH);
    expect(nested.json.error?.message).toContain('the Mcp-Param-Zone header is missing but arguments.target.zone is "b"');
    const integer = await post({ shard: 3 }, { "mcp-param-shard": "4" });
    expect(integer.status).toBe(400);
    expect(integer.json.error?.message).toContain('the Mcp-Param-Shard header value "4" does not match arguments.shard 3');
  });

  it("refuses a malformed Base64 value and raw non-ASCII, and accepts the Base64 of the argument", async () => {
    const malformed = await post({ region: "Zürich" }, { "mcp-param-region": "=?base64?WsO8cmljaA?=" });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error?.code).toBe(HEADER_MISMATCH);
    const raw = await post({ region: "Zürich" }, { "mcp-param-region": "Z\u00fcrich" });
    expect(raw.status).toBe(400);
    expect(raw.json.error?.code).toBe(HEADER_MISMATCH);
    expect((await post({ region: "Zürich" }, { "mcp-param-region": base64("Zürich") })).status).toBe(200);
  });

  it("refuses a wrong or missing Mcp-Method and a wrong Mcp-Name with -32020 (the SDK's check, before the parameters)", async () => {
    const method = await post({ region: "us-west1" }, { "mcp-method": "tools/list", "mcp-param-region": "eu-west1" });
    expect(method.status).toBe(400);
    expect(method.json.error?.code).toBe(HEADER_MISMATCH);
    expect(method.json.error?.message).toContain("Mcp-Method header names tools/list");
    const noMethod = await post({ region: "us-west1" }, { "mcp-method": undefined, "mcp-param-region": "us-west1" });
    expect(noMethod.status).toBe(400);
    expect(noMethod.json.error?.code).toBe(HEADER_MISMATCH);
    expect(noMethod.json.error?.message).toContain("Mcp-Method header is absent");
    const name = await post({ region: "us-west1" }, { "mcp-name": "other_tool", "mcp-param-region": "us-west1" });
    expect(name.status).toBe(400);
    expect(name.json.error?.code).toBe(HEADER_MISMATCH);
    expect(name.json.error?.message).toContain('Mcp-Name header names "other_tool"');
  });

  it("expects no header for a tool whose annotation SEP-2243 forbids, nor for an unknown tool", async () => {
    const invalid = await post({ regions: ["a"] }, {}, INVALID_TOOL);
    expect(invalid.status).toBe(200);
    expect(textOf(invalid.json.result)).toEqual({ regions: ["a"] });
    const unknown = await post({ region: "us-west1" }, {}, "no_such_tool");
    expect(unknown.status).toBe(200);
    expect(unknown.json.error?.message).toContain("Unknown tool");
  });

  it("leaves 2025-11-25 (the 1.x SDK) alone: no such rule, so disagreeing headers do not matter", async () => {
    const client = await connect("sdk-1.x", gateway.url, { headers: { "mcp-param-region": "nowhere", "mcp-method": "tools/list" } });
    const result = await client.callTool({ name: ROUTED_TOOL, arguments: { region: "us-west1", shard: 1 } });
    expect(result["isError"]).toBeFalsy();
    expect(textOf(result)).toEqual({ region: "us-west1", shard: 1 });
    await client.close();
  });
});

describe("the gateway with per-tool authorization", () => {
  const SECRET = new TextEncoder().encode("an HMAC secret of at least 32 bytes, for tests only");
  const ISSUER = "https://id.example.test";
  const RESOURCE = "https://mcp.example.test/mcp";
  let gateway: McpGateway;

  beforeAll(async () => {
    const registry = new MemoryRegistry();
    started.push({ stop: () => registry.close() });
    started.push(await startParamHeaderBackend(registry, "params"));
    gateway = await startGateway(registry, {
      auth: {
        authenticator: jwtAuthenticator({ secret: SECRET, issuer: ISSUER, audience: RESOURCE }),
        authorizationServers: [ISSUER],
        resource: RESOURCE,
        authorizer: await CasbinAuthorizer.create({ adapter: textAdapter(`p, router, *, params, ${ROUTED_TOOL}\n`), logger: silentLogger }),
      },
    });
    started.push(gateway);
  });

  const bearer = async (role: string) =>
    `Bearer ${await issueToken({ subject: role, issuer: ISSUER, audience: RESOURCE, roles: [role] }, { key: SECRET, alg: "HS256" })}`;

  it("refuses a mismatch from a caller who may use the tool", async () => {
    const answer = await postCall(gateway.url, { region: "us-west1" }, { authorization: await bearer("router") });
    expect(answer.status).toBe(400);
    expect(answer.json.error?.code).toBe(HEADER_MISMATCH);
  });

  it("answers a caller who may not use the tool as for an unknown tool, telling nothing of its marked parameters", async () => {
    const answer = await postCall(gateway.url, { region: "us-west1" }, { authorization: await bearer("guest") });
    expect(answer.status).toBe(200);
    expect(answer.json.error?.message).toContain("Unknown tool");
    expect(JSON.stringify(answer.json)).not.toContain("Mcp-Param");
  });
});
