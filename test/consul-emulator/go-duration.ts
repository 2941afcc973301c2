/** Milliseconds per Go duration unit (Go's time.ParseDuration, which Consul uses for TTL, wait and the like). */
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** A Go duration string (`"10s"`, `"1m30s"`, `"1.5h"`, `"0"`) in milliseconds; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  let total = 0;
  for (let position = 0; position < text.length; position = TERM.lastIndex) {
    TERM.lastIndex = position;
    const term = TERM.exec(text);
    if (!term) return undefined;
    total += Number(term[1]) * (UNIT_MS[term[2] ?? ""] ?? NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}
