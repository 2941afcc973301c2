import { describe, expect, it } from "vitest";
import { decodeTxt, encodeTxt } from "../../runtime/src/registry/mdns/txt-payload.js";
import type { ServiceRecord } from "../../runtime/src/registry/registry.js";

function service(endpoints: number): ServiceRecord {
  return {
    name: "kled.mcp.v1.McpService",
    version: "1.2.3",
    metadata: { team: "agents" },
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      name: `/kled.mcp.v1.McpService/Method${i}`,
      request: `kled.mcp.v1.Method${i}Request`,
      response: `kled.mcp.v1.Method${i}Response`,
      metadata: { kind: "unary" },
    })),
    nodes: [{ id: "mcp-1", address: "10.0.0.1:50051", metadata: { zone: "a" } }],
  };
}

describe("TXT payload", () => {
  it("keeps a small record as readable JSON", () => {
    const strings = encodeTxt({ record: service(1), ttlMs: 90_000 });
    expect(strings.slice(0, 2).map(String)).toEqual(["kled=1", "enc=json"]);
    const chunks = strings.slice(2).map(String);
    chunks.forEach((chunk, i) => expect(chunk.startsWith(`d${i}=`)).toBe(true));
    expect(JSON.parse(chunks.map((chunk) => chunk.slice(chunk.indexOf("=") + 1)).join(""))).toMatchObject({ name: "kled.mcp.v1.McpService" });
    expect(decodeTxt(strings)).toEqual({ record: service(1), ttlMs: 90_000 });
  });

  it("deflates a large record and cuts it into strings of at most 255 bytes", () => {
    const record = service(60);
    const strings = encodeTxt({ record, ttlMs: 1500 });
    expect(strings[1]?.toString()).toBe("enc=deflate");
    expect(strings.length).toBeGreaterThan(3);
    for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
    expect(decodeTxt(strings)).toEqual({ record, ttlMs: 1500 });
  });

  it("rejects what is not a complete Kled record", () => {
    const strings = encodeTxt({ record: service(60), ttlMs: 1500 });
    expect(decodeTxt(strings.filter((_, i) => i !== 3))).toBeUndefined(); // a missing chunk
    expect(decodeTxt([Buffer.from("kled=2"), ...strings.slice(1)])).toBeUndefined();
    expect(decodeTxt([Buffer.from("txtvers=1")])).toBeUndefined();
    expect(decodeTxt("not an array")).toBeUndefined();
    expect(decodeTxt([42])).toBeUndefined();
    expect(decodeTxt(undefined)).toBeUndefined();
  });
});
