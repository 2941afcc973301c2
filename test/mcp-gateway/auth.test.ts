import { MemoryRegistry, silentLogger, type Service } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textAdapter } from "../auth/support/casbin-oracle.js";
import { startProtoToolBackend, type ProtoToolBackend } from "./proto-support.js";
import { CLIENT_LINES, connect, connectWithFacts, startGateway, startMcpBackend } from "./support.js";

const SECRET = new TextEncoder().encode("an HMAC secret of at least 32 bytes, for tests only");
const ISSUER = "https://id.example.test";
/** The gateway's resource identifier: the audience its tokens are minted for. */
const RESOURCE = "https://mcp.example.test/mcp";

/** tool-user may call the proto tool echo and the MCP tool add; viewer only add. */
const POLICY = `
p, tool-user, *, kled.test.v1.EchoService, Echo
p, tool-user, *, kled.mcp.tools, add
p, viewer, *, kled.mcp.tools, add
`;

function token(subject: string, roles: string[], overrides: { audience?: string; ttlSec?: number } = {}): Promise<string> {
  return issueToken(
    { subject, issuer: ISSUER, audience: overrides.audience ?? RESOURCE, roles, ...(overrides.ttlSec === undefined ? {} : { ttlSec: overrides.ttlSec }) },
    { key: SECRET, alg: "HS256" },
  );
}

function bearer(value: string): Record<string, string> {
  return { authorization: `Bearer ${value}` };
}

let registry: MemoryRegistry;
let mcpBackend: Service;
let echo: ProtoToolBackend;
let gateway: McpGateway;
let limited: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  mcpBackend = await startMcpBackend(registry, "kled.mcp.tools");
  echo = await startProtoToolBackend(registry, "echo");
  const auth = {
    authenticator: jwtAuthenticator({ secret: SECRET, issuer: ISSUER, audience: RESOURCE }),
    authorizationServers: [ISSUER],
    resource: RESOURCE,
    scopesSupported: ["mcp:tools"],
    authorizer: await CasbinAuthorizer.create({ adapter: textAdapter(POLICY), logger: silentLogger }),
  };
  gateway = await startGateway(registry, { auth });
  limited = await startGateway(registry, { auth, rateLimit: { points: 4, durationSec: 3_600 } });
});
afterAll(async () => {
  await limited?.stop();
  await gateway?.stop();
  await echo?.stop();
  await mcpBackend?.stop();
  await registry.close();
});

/** A bare POST to the endpoint (what a client sends first), answered before any MCP processing when refused. */
function post(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
}

const METADATA_URL = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp";

describe("OAuth 2.1 resource server", () => {
  it("answers a request without a token 401 with WWW-Authenticate naming the resource metadata", async () => {
    const response = await post(gateway.url);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });

  it("serves the Protected Resource Metadata at the path-suffixed and the root well-known URL", async () => {
    const origin = new URL(gateway.url).origin;
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ["header"],
        scopes_supported: ["mcp:tools"],
        resource_name: "Kled MCP gateway",
      });
    }
  });

  it("refuses a token minted for another audience with 401 invalid_token", async () => {
    const response = await post(gateway.url, bearer(await token("alice", ["tool-user"], { audience: "https://other.example.test/mcp" })));
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`);
  });

  it("refuses an expired token with 401 invalid_token", async () => {
    const response = await post(gateway.url, bearer(await token("alice", ["tool-user"], { ttlSec: -3_600 })));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses a token that is not a bearer token with 401", async () => {
    const response = await post(gateway.url, { authorization: "Basic YWxpY2U6c2VjcmV0" });
    expect(response.status).toBe(401);
  });
});

describe.each(CLIENT_LINES)("per-tool authorization (%s)", (line) => {
  it("hides a tool the caller's role does not grant, and refuses it if called anyway", async () => {
    const client = await connect(line, gateway.url, { headers: bearer(await token("victor", ["viewer"])) });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(["add"]);
    await expect(client.callTool({ name: "echo", arguments: { text: "sneaky" } })).rejects.toThrow(/Unknown tool: "echo"/);
    expect(echo.handler.calls.map((call) => call.label)).not.toContain("sneaky");
    const add = await client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    expect(add["structuredContent"]).toMatchObject({ result: 3 });
    await client.close();
  });

  it("lists and calls what the role grants, and forwards the caller's token to the backend", async () => {
    const alice = await token("alice", ["tool-user"]);
    const client = await connect(line, gateway.url, { headers: bearer(alice) });
    const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(["add", "echo"]);
    const result = await client.callTool({ name: "echo", arguments: { text: `who ${line}` } });
    expect(result["isError"]).toBeFalsy();
    // The echo backend answers with the metadata it received.
    expect(result["structuredContent"]).toMatchObject({ text: `who ${line}`, metadata: { authorization: `Bearer ${alice}` } });
    await client.close();
  });

  it("a role with no grant sees no tools", async () => {
    const client = await connect(line, gateway.url, { headers: bearer(await token("nobody", ["guest"])) });
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
  });
});

describe("sessions belong to their caller", () => {
  it("answers another caller's use of a 2025-11-25 session id as an unknown session (404)", async () => {
    const { client, sessionId } = await connectWithFacts("sdk-1.x", gateway.url, { headers: bearer(await token("alice", ["tool-user"])) });
    const response = await post(gateway.url, {
      ...bearer(await token("mallory", ["tool-user"])),
      "mcp-session-id": sessionId ?? "",
      "mcp-protocol-version": "2025-11-25",
    });
    expect(response.status).toBe(404);
    await client.close();
  });
});

describe("per-caller rate limit", () => {
  it("answers 429 with Retry-After once a caller's budget is spent, and other callers go on", async () => {
    const greedy = bearer(await token("greedy", ["tool-user"]));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(limited.url, greedy)).status);
    expect(statuses.slice(0, 4).every((status) => status !== 429)).toBe(true);
    expect(statuses[4]).toBe(429);
    const refused = await post(limited.url, greedy);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("greedy");
    const client = await connect("client-2.x", limited.url, { headers: bearer(await token("modest", ["tool-user"])) });
    expect((await client.listTools()).tools.length).toBe(2);
    await client.close();
  });
});
