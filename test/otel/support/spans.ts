import type { ReadableSpan } from "@opentelemetry/sdk-trace";

/** The span of `spans` named `name` (and of `kind`, when given); throws listing the names when there is none. */
export function spanNamed(spans: readonly ReadableSpan[], name: string, kind?: number, nth = 0): ReadableSpan {
  const found = spans.filter((span) => span.name === name && (kind === undefined || span.kind === kind));
  const span = found[nth];
  if (span === undefined) throw new Error(`no span ${name} (kind ${kind}) #${nth}; spans: ${spans.map((s) => `${s.name}/${s.kind}`).join(", ")}`);
  return span;
}

/** The span id of the parent of `span`, undefined for a root. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Polls `predicate` every 10 ms for up to `timeoutMs` (generous: the machine is shared and busy). */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
