import { MemoryRegistry, type Service } from "@kled/runtime";
import { DEFAULT_MAX_REQUEST_BODY_BYTES, type McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, startGateway, startMcpBackend } from "./support.js";

let registry: MemoryRegistry;
let backend: Service;
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  backend = await startMcpBackend(registry, "kled.mcp.tools");
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await backend?.stop();
  await registry.close();
});

const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

describe("the gateway's HTTP defences", () => {
  it("binds 127.0.0.1 unless told otherwise", () => {
    expect(new URL(gateway.url).hostname).toBe("127.0.0.1");
  });

  it("answers a foreign Origin with 403 and a loopback one normally", async () => {
    const foreign = await fetch(gateway.url, { method: "POST", headers: { ...headers, origin: "https://evil.example" }, body: initialize });
    expect(foreign.status).toBe(403);
    const local = await fetch(gateway.url, { method: "POST", headers: { ...headers, origin: "http://localhost:6274" }, body: initialize });
    expect(local.status).toBe(200);
  });

  it("refuses a body over the bound with 413", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(DEFAULT_MAX_REQUEST_BODY_BYTES) } });
    const response = await fetch(gateway.url, { method: "POST", headers, body: big });
    expect(response.status).toBe(413);
  });

  it("answers 404 off the MCP path and for an unknown session", async () => {
    expect((await fetch(new URL("/other", gateway.url))).status).toBe(404);
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { ...headers, "mcp-session-id": "no-such-session", "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(response.status).toBe(404);
  });

  it("answers 1,000 malformed requests with client errors and keeps serving", async () => {
    const bodies = [
      "{",
      "not json",
      "[]",
      "{}",
      JSON.stringify({ jsonrpc: "1.0", id: 1, method: "tools/list" }),
      JSON.stringify({ jsonrpc: "2.0", id: 1 }),
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: 42 }),
      JSON.stringify({ jsonrpc: "2.0", id: {}, method: "tools/call", params: "x" }),
      "\u0000\u0001\u0002",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: null }),
    ];
    const statuses = new Map<number, number>();
    for (let round = 0; round < 100; round++) {
      await Promise.all(
        bodies.map(async (body) => {
          const response = await fetch(gateway.url, { method: "POST", headers, body });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }),
      );
    }
    const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    expect(total).toBe(1_000);
    expect([...statuses.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
    const client = await connect("sdk-1.x", gateway.url);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});
