/**
 * The demo's trace tree: children under their parent in start order, the
 * kind and the service (with the address of a server span), a span whose
 * parent was never received starting a tree of its own, other traces left out.
 */
import { describe, expect, it } from "vitest";
import type { ReceivedSpan } from "../../examples/src/demo/otlp-receiver.js";
import { traceTree } from "../../examples/src/demo/trace-tree.js";

const T = "a".repeat(32);
function span(spanId: string, parentSpanId: string | undefined, name: string, kind: number, startMs: number, endMs: number, extra: Partial<ReceivedSpan> = {}): ReceivedSpan {
  return { traceId: T, spanId, parentSpanId, name, kind, service: "svc", startMs, endMs, attributes: {}, scope: "s", ...extra };
}

describe("traceTree", () => {
  it("indents children under their parent in start order, with kind, duration and service", () => {
    const spans = [
      span("c2", "root", "second", 3, 30, 31.25, { service: "agent" }),
      span("root", "remote", "CreateTask", 2, 0, 100, { service: "agent", attributes: { "server.address": "127.0.0.1", "server.port": 5001 } }),
      span("c1", "root", "first", 3, 10, 20, { service: "agent" }),
      span("g1", "c1", "served", 2, 12, 18, { service: "mcp", attributes: { "server.address": "127.0.0.1", "server.port": 5002 } }),
      span("orphan", "never-received", "late", 5, 200, 201, { service: "audit" }),
      span("other", undefined, "elsewhere", 1, 0, 1, { traceId: "b".repeat(32) }),
    ];
    const lines = traceTree(spans, T).map((line) => line.replace(/ +/g, " "));
    expect(lines).toEqual([
      "CreateTask server 100.0 ms agent 127.0.0.1:5001",
      " first client 10.0 ms agent",
      " served server 6.0 ms mcp 127.0.0.1:5002",
      " second client 1.3 ms agent",
      "late consumer 1.0 ms audit",
    ]);
    // Indentation: two spaces per level.
    expect(traceTree(spans, T)[2]).toMatch(/^ {4}served/);
  });
});
