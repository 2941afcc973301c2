import { MemoryRegistry, silentLogger, type Service } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { CacheScope } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_DEFINED_LIST, TOOL_CHANGED_DATA } from "../../examples/src/mcp/cache-hints.js";
import { textAdapter } from "../auth/support/casbin-oracle.js";
import { startRevisionBackend, VALUE_TOOLS } from "./revision-backend.js";
import { CLIENT_LINES, connect, startGateway, startMcpBackend, type McpTestClient } from "./support.js";

/**
 * What revision 2026-07-28 changed in what a server offers, through the
 * gateway: cache hints (SEP-2549) reach 2026-07-28 clients and nothing of
 * them reaches 2025-11-25 ones; structured content of any JSON value
 * (SEP-2106); the rest of the shape (x-mcp-header, Tool.execution, the
 * resource-not-found code, list order).
 */

const started: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  for (const thing of started.reverse()) await thing.stop();
});

/** A gateway over a fresh registry with the example service and the given revision backends. */
async function mesh(backends: Array<{ name: string; hints?: { ttlMs: number; cacheScope: CacheScope } }>, options: Parameters<typeof startGateway>[1] = {}): Promise<McpGateway> {
  const registry = new MemoryRegistry();
  started.push({ stop: () => registry.close() });
  const services: Service[] = [await startMcpBackend(registry, "kled.mcp.tools")];
  for (const backend of backends) services.push(await startRevisionBackend(registry, backend.name, backend.hints === undefined ? {} : { lists: backend.hints }));
  started.push(...services);
  const gateway = await startGateway(registry, options);
  started.push(gateway);
  return gateway;
}

/** ttlMs and cacheScope of a result as the client got it (the 2.x client keeps them on the object it returns). */
function hintOf(result: object): { ttlMs: unknown; cacheScope: unknown } {
  const { ttlMs, cacheScope } = result as Record<string, unknown>;
  return { ttlMs, cacheScope };
}

function scope(value: CacheScope): string {
  return value === CacheScope.PUBLIC ? "public" : "private";
}

async function everyCacheableResult(client: McpTestClient, uri: string) {
  return {
    tools: hintOf(await client.listTools()),
    prompts: hintOf(await client.listPrompts()),
    resources: hintOf(await client.listResources()),
    templates: hintOf(await client.listResourceTemplates()),
    read: hintOf(await client.readResource({ uri })),
  };
}

describe("cache hints (ttlMs, cacheScope)", () => {
  let exampleOnly: McpGateway;
  let merged: McpGateway;
  let unhinted: McpGateway;

  beforeAll(async () => {
    exampleOnly = await mesh([]);
    // The example lists tools for 10 min, public; these two say 5 s public and 60 s private.
    merged = await mesh([
      { name: "rev.fast", hints: { ttlMs: 5_000, cacheScope: CacheScope.PUBLIC } },
      { name: "rev.private", hints: { ttlMs: 60_000, cacheScope: CacheScope.PRIVATE } },
    ]);
    // A backend built before the fields existed sets neither.
    unhinted = await mesh([{ name: "rev.unhinted" }]);
  });

  it("reach a 2026-07-28 client as the example service sets them", async () => {
    const client = await connect("client-2.x", exampleOnly.url);
    const code = { ttlMs: CODE_DEFINED_LIST.ttlMs, cacheScope: scope(CODE_DEFINED_LIST.cacheScope) };
    const data = { ttlMs: TOOL_CHANGED_DATA.ttlMs, cacheScope: scope(TOOL_CHANGED_DATA.cacheScope) };
    expect(await everyCacheableResult(client, "kled://stats")).toEqual({ tools: code, prompts: code, templates: code, resources: data, read: data });
    expect(code).toEqual({ ttlMs: 600_000, cacheScope: "public" });
    await client.close();
  });

  it("merge over backends: the smallest ttl, private if any backend says so; a read keeps its backend's", async () => {
    const client = await connect("client-2.x", merged.url);
    expect(await everyCacheableResult(client, "rev.fast+rev://one")).toEqual({
      tools: { ttlMs: 5_000, cacheScope: "private" },
      prompts: { ttlMs: 5_000, cacheScope: "private" },
      // The example's resources/list is 0 ms, private.
      resources: { ttlMs: 0, cacheScope: "private" },
      templates: { ttlMs: 5_000, cacheScope: "private" },
      read: { ttlMs: 5_000, cacheScope: "public" },
    });
    expect(hintOf(await client.readResource({ uri: "rev.private+rev://one" }))).toEqual({ ttlMs: 60_000, cacheScope: "private" });
    await client.close();
  });

  it("default to 0 ms, private where a backend sets none (the gateway's DEFAULT_CACHE_HINT)", async () => {
    const client = await connect("client-2.x", unhinted.url);
    const none = { ttlMs: 0, cacheScope: "private" };
    expect(await everyCacheableResult(client, "rev://one")).toEqual({ tools: none, prompts: none, resources: none, templates: none, read: none });
    await client.close();
  });

  it("are absent for a 2025-11-25 client, whose lists and reads work as before", async () => {
    const client = await connect("sdk-1.x", merged.url);
    const results = [
      await client.listTools(),
      await client.listPrompts(),
      await client.listResources(),
      await client.listResourceTemplates(),
      await client.readResource({ uri: "kled://stats" }),
    ];
    for (const result of results) {
      expect(result).not.toHaveProperty("ttlMs");
      expect(result).not.toHaveProperty("cacheScope");
      expect(result).not.toHaveProperty("resultType");
    }
    expect((results[0] as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});

describe("cache hints with per-tool authorization", () => {
  const SECRET = new TextEncoder().encode("an HMAC secret of at least 32 bytes, for tests only");
  const ISSUER = "https://id.example.test";
  const RESOURCE = "https://mcp.example.test/mcp";
  let gateway: McpGateway;

  beforeAll(async () => {
    gateway = await mesh([], {
      auth: {
        authenticator: jwtAuthenticator({ secret: SECRET, issuer: ISSUER, audience: RESOURCE }),
        authorizationServers: [ISSUER],
        resource: RESOURCE,
        authorizer: await CasbinAuthorizer.create({ adapter: textAdapter("p, viewer, *, kled.mcp.tools, add\n"), logger: silentLogger }),
      },
    });
  });

  it("make tools/list private, since which tools a caller sees depends on who it is", async () => {
    const token = await issueToken({ subject: "victor", issuer: ISSUER, audience: RESOURCE, roles: ["viewer"] }, { key: SECRET, alg: "HS256" });
    const client = await connect("client-2.x", gateway.url, { headers: { authorization: `Bearer ${token}` } });
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toEqual(["add"]);
    expect(hintOf(tools)).toEqual({ ttlMs: 600_000, cacheScope: "private" });
    // Prompts are not filtered per caller: the backend's public stands.
    expect(hintOf(await client.listPrompts())).toEqual({ ttlMs: 600_000, cacheScope: "public" });
    await client.close();
  });
});

describe.each(CLIENT_LINES)("structured content of any JSON value (%s)", (line) => {
  let gateway: McpGateway;
  beforeAll(async () => {
    gateway = await mesh([{ name: "rev" }]);
  });

  it.each(Object.keys(VALUE_TOOLS))("forwards the structured_value of %s", async (name) => {
    const client = await connect(line, gateway.url);
    const { value } = VALUE_TOOLS[name] ?? { value: undefined };
    const result = await client.callTool({ name, arguments: {} });
    expect(result["isError"]).toBe(false);
    // 2025-11-25 allows only objects: the SDK wraps the value as {"result": value}, and the output schema to match.
    expect(result["structuredContent"]).toEqual(line === "client-2.x" ? value : { result: value });
    expect(result["content"]).toEqual([{ type: "text", text: JSON.stringify(value) }]);
    await client.close();
  });

  it("lists a non-object output schema as it is on 2026-07-28 and wrapped on 2025-11-25", async () => {
    const client = await connect(line, gateway.url);
    const dice = (await client.listTools()).tools.find((tool) => tool.name === "dice");
    const schema = VALUE_TOOLS["dice"]?.outputSchema;
    expect(dice?.outputSchema).toEqual(line === "client-2.x" ? schema : { type: "object", properties: { result: schema }, required: ["result"] });
    await client.close();
  });

  it("prefers structured_value over structured_content when a backend sets both", async () => {
    const client = await connect(line, gateway.url);
    const result = await client.callTool({ name: "both_fields", arguments: {} });
    expect(result["structuredContent"]).toEqual(line === "client-2.x" ? ["new"] : { result: ["new"] });
    await client.close();
  });
});

describe.each(CLIENT_LINES)("the rest of what a server returns (%s)", (line) => {
  let gateway: McpGateway;
  beforeAll(async () => {
    gateway = await mesh([{ name: "rev" }]);
  });

  it("passes a tool's x-mcp-header annotation through unchanged", async () => {
    const client = await connect(line, gateway.url);
    const tool = (await client.listTools()).tools.find((candidate) => candidate.name === "both_fields");
    expect(tool?.inputSchema).toEqual({ type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } });
    const result = await client.callTool({ name: "both_fields", arguments: { region: "eu-west" } });
    expect(result["isError"]).toBe(false);
    await client.close();
  });

  it("sends Tool.execution (tasks) only to 2025-11-25 clients", async () => {
    const client = await connect(line, gateway.url);
    const add = (await client.listTools()).tools.find((tool) => tool.name === "add") as Record<string, unknown> | undefined;
    if (line === "client-2.x") expect(add).not.toHaveProperty("execution");
    else expect(add?.["execution"]).toEqual({ taskSupport: "forbidden" });
    await client.close();
  });

  it("answers a resource nobody offers with -32602 (Invalid Params), as 2026-07-28 wants", async () => {
    const client = await connect(line, gateway.url);
    await expect(client.readResource({ uri: "nowhere://x" })).rejects.toMatchObject({ code: -32602 });
    // A URI the backend's template matches but that holds nothing: the backend's NOT_FOUND, the same code.
    await expect(client.readResource({ uri: "kv://no_such_key" })).rejects.toMatchObject({ code: -32602 });
    await client.close();
  });

  it("lists tools in the same order every time", async () => {
    const first = await connect(line, gateway.url);
    const second = await connect(line, gateway.url);
    const names = async (client: McpTestClient) => (await client.listTools()).tools.map((tool) => tool.name);
    const order = await names(first);
    expect(await names(second)).toEqual(order);
    await gateway.refresh();
    expect(await names(first)).toEqual(order);
    await first.close();
    await second.close();
  });
});
