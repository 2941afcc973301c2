import type { ReceivedSpan } from "./otlp-receiver.js";

const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;

/**
 * The spans of one trace as an indented tree, one line per span: name,
 * kind, the service that recorded it (with the listening address for a
 * server span, which tells two instances of one service apart) and the
 * duration in milliseconds. Children follow their parent in start order;
 * a span whose parent was not received (the caller exports nothing, or
 * its process stopped before flushing) starts a tree of its own.
 */
export function traceTree(spans: readonly ReceivedSpan[], traceId: string): string[] {
  const inTrace = spans.filter((span) => span.traceId === traceId);
  const ids = new Set(inTrace.map((span) => span.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of inTrace) {
    const parent = span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startMs - b.startMs);
  const nameWidth = Math.max(0, ...inTrace.map((span) => span.name.length + 2 * depthOf(span, inTrace)));
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of children.get(parent) ?? []) {
      const label = `${"  ".repeat(depth)}${span.name}`.padEnd(nameWidth);
      const kind = (KINDS[span.kind] ?? String(span.kind)).padEnd(8);
      const duration = `${(span.endMs - span.startMs).toFixed(1)} ms`.padStart(9);
      lines.push(`${label}  ${kind}  ${duration}  ${where(span)}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

function where(span: ReceivedSpan): string {
  const host = span.attributes["server.address"];
  const port = span.attributes["server.port"];
  return span.kind === 2 && host !== undefined && port !== undefined ? `${span.service} ${host}:${port}` : span.service;
}

function depthOf(span: ReceivedSpan, spans: readonly ReceivedSpan[]): number {
  let depth = 0;
  let parent = span.parentSpanId;
  while (parent !== undefined) {
    const found = spans.find((s) => s.spanId === parent);
    if (found === undefined) break;
    depth++;
    parent = found.parentSpanId;
  }
  return depth;
}
