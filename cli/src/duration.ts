import { InvalidArgumentError, Option } from "commander";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** What a duration looks like, for error messages. */
const DURATION_FORMS = "300ms, 1.5s, 2m or 1h";

/**
 * Parses a `--timeout` value into milliseconds: a positive number with its
 * unit, `ms`, `s`, `m` or `h` (`500ms`, `1.5s`, `2m`, `1h`). A bare number is
 * refused rather than given a unit: buf curl and grpcurl users read
 * `--timeout 300` as whatever their own tool meant by it. A commander
 * argument parser: throws `InvalidArgumentError`, which commander reports
 * naming the option.
 */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    throw new InvalidArgumentError(`"${value}" has no unit; write it with one: ${DURATION_FORMS}`);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(`"${value}" is not a duration; use a positive number with its unit: ${DURATION_FORMS}`);
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
