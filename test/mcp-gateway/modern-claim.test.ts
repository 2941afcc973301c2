import { isLegacyRequest } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { carriesModernClaim } from "../../runtime/src/mcp-gateway/modern-claim.js";

/**
 * The gateway skips the SDK's era check for bodies carriesModernClaim
 * accepts; the SDK must never call one of those legacy, or a 2025-11-25
 * client would be answered by the 2026-07-28 side.
 */

const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" }, "io.modelcontextprotocol/clientCapabilities": {} };

const BODIES: Array<[string, unknown]> = [
  ["modern tools/call", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "add", arguments: {}, _meta: META } }],
  ["modern notification", { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: META } }],
  ["claim of an unknown revision", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" } } }],
  ["claim without the rest of the envelope", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } }],
  ["not JSON-RPC 2.0 but claiming", { jsonrpc: "1.0", id: 1, method: "tools/list", params: { _meta: META } }],
  ["legacy tools/call", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "add", arguments: {} } }],
  ["legacy initialize", { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }],
  ["initialize with a claim", { jsonrpc: "2.0", id: 1, method: "initialize", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } }],
  ["batch", [{ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: META } }]],
  ["posted response", { jsonrpc: "2.0", id: 1, result: {}, method: "x", params: { _meta: META } }],
  ["non-string claim", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": 7 } } }],
  ["null", null],
  ["string", "hello"],
];

describe("carriesModernClaim", () => {
  it.each(BODIES)("%s: never claims what the SDK calls legacy", async (_name, body) => {
    const request = new Request("http://gateway/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(body),
    });
    const legacy = await isLegacyRequest(request, body ?? undefined);
    if (carriesModernClaim(body)) expect(legacy).toBe(false);
  });

  it("takes the shortcut for the requests a 2026-07-28 client sends", () => {
    expect(BODIES.filter(([, body]) => carriesModernClaim(body)).map(([name]) => name)).toEqual([
      "modern tools/call",
      "modern notification",
      "claim of an unknown revision",
      "claim without the rest of the envelope",
      "not JSON-RPC 2.0 but claiming",
    ]);
  });
});
