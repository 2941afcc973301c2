import { InvalidArgumentError, Option } from "commander";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a `--timeout` value into milliseconds: `500ms`, `10s`, `1.5m`, `1h`,
 * or a bare number of seconds (`10`). A commander argument parser: throws
 * `InvalidArgumentError`, which commander reports naming the option.
 */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[(match[2] ?? "s") as keyof typeof UNIT_MS];
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(`"${value}" is not a duration; use e.g. 500ms, 10s, 2m or 10 (seconds)`);
  }
  return Math.round(ms);
}

/** A short human duration: `850ms`, `12s`, `4m 05s`, `3h 02m`, `2d 07h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const two = (n: number) => String(n).padStart(2, "0");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${two(seconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${two(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${two(hours % 24)}h`;
}

/** A `--timeout <duration>` option whose help shows its default as a duration, not milliseconds. */
export function timeoutOption(description: string, defaultMs: number): Option {
  return new Option("--timeout <duration>", description).argParser(parseDuration).default(defaultMs, formatDuration(defaultMs));
}
