import { MemoryRegistry, type Service } from "@kled/runtime";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, startMcpBackend } from "./support.js";

/** CORS as a browser meets it, with plain fetch: what a page's preflight and its actual requests get back. */

const APP = "https://app.example";
const SECRET = new TextEncoder().encode("an HMAC secret of at least 32 bytes, for tests only");
const ISSUER = "https://id.example.test";

let registry: MemoryRegistry;
let backend: Service;
let gateway: McpGateway;
let secured: McpGateway;
let loopbackOnly: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  backend = await startMcpBackend(registry, "kled.mcp.tools");
  gateway = await startGateway(registry, { allowedOrigins: [APP] });
  secured = await startGateway(registry, {
    allowedOrigins: [APP],
    auth: { authenticator: jwtAuthenticator({ secret: SECRET, issuer: ISSUER, audience: "https://mcp.example.test/mcp" }), authorizationServers: [ISSUER] },
  });
  loopbackOnly = await startGateway(registry);
});
afterAll(async () => {
  for (const thing of [loopbackOnly, secured, gateway, backend]) await thing?.stop();
  await registry?.close();
});

/** What a browser sends before a cross-origin POST with MCP's headers. */
function preflight(url: string, origin: string, method = "POST", headers = "content-type, accept, mcp-protocol-version, mcp-method, mcp-name, mcp-param-region"): Promise<Response> {
  return fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers } });
}

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "page", version: "1" } },
});
const postHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("CORS preflight on the MCP endpoint", () => {
  it("answers an allowed origin with the origin, the methods, the requested headers (Mcp-Param-* included) and a max age", async () => {
    const response = await preflight(gateway.url, APP, "POST", "content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id, mcp-param-region, mcp-param-x-tenant");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
    expect(response.headers.get("access-control-allow-methods")?.split(/,\s*/).sort()).toEqual(["DELETE", "GET", "OPTIONS", "POST"]);
    expect(response.headers.get("access-control-allow-headers")).toBe(
      "content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id, mcp-param-region, mcp-param-x-tenant",
    );
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
  });

  it("answers a foreign origin 403, like its requests", async () => {
    const response = await preflight(gateway.url, "https://evil.example");
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('"https://evil.example" is not allowed');
  });

  it("refuses a header or a method the endpoint does not take, naming it", async () => {
    const header = await preflight(gateway.url, APP, "POST", "content-type, x-debug");
    expect(header.status).toBe(403);
    expect(((await header.json()) as { error: { message: string } }).error.message).toContain('"x-debug" not allowed');
    const method = await preflight(gateway.url, APP, "PUT");
    expect(method.status).toBe(403);
    expect(((await method.json()) as { error: { message: string } }).error.message).toContain('method "PUT" is not served here');
  });

  it("with no origin list, answers pages on this machine (the default allowed origins)", async () => {
    const response = await preflight(loopbackOnly.url, "http://localhost:6274");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    expect((await preflight(loopbackOnly.url, APP)).status).toBe(403);
  });

  it("answers a plain OPTIONS (no browser asking) with Allow", async () => {
    const response = await fetch(gateway.url, { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(response.headers.get("allow")).toBe("GET, POST, DELETE, OPTIONS");
  });
});

describe("CORS on actual requests", () => {
  it("names the allowed origin and exposes Mcp-Session-Id", async () => {
    const response = await fetch(gateway.url, { method: "POST", headers: { ...postHeaders, origin: APP }, body: initialize });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/\bMcp-Session-Id\b/);
    expect(response.headers.get("mcp-session-id")).toEqual(expect.any(String));
    await response.body?.cancel();
  });

  it("adds nothing for clients that send no Origin", async () => {
    const response = await fetch(gateway.url, { method: "POST", headers: postHeaders, body: initialize });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    await response.body?.cancel();
  });

  it("lets a page read a 401's WWW-Authenticate", async () => {
    const response = await fetch(secured.url, { method: "POST", headers: { ...postHeaders, origin: APP }, body: initialize });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/\bWWW-Authenticate\b/);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer resource_metadata=/);
  });

  it("serves the protected resource metadata and its preflight to any origin: it is public", async () => {
    const metadata = new URL("/.well-known/oauth-protected-resource/mcp", secured.url);
    const answer = await preflight(metadata.href, "https://elsewhere.example", "GET", "mcp-protocol-version");
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    expect(answer.headers.get("access-control-allow-headers")).toBe("mcp-protocol-version");
    const document = await fetch(metadata, { headers: { origin: "https://elsewhere.example", "mcp-protocol-version": "2025-11-25" } });
    expect(document.status).toBe(200);
    expect(document.headers.get("access-control-allow-origin")).toBe("*");
  });
});
