import { usageError } from "../cli-error.js";

/**
 * Message headers from `-H key:value` flags of `kled publish`: sent as given
 * (broker headers are plain strings, unlike gRPC metadata), each key once.
 */
export function parseHeaderFlags(flags: readonly string[]): Record<string, string> {
  const headers = new Map<string, string>();
  for (const flag of flags) {
    const colon = flag.indexOf(":");
    const key = colon < 0 ? "" : flag.slice(0, colon).trim();
    if (key === "" || /\s/.test(key)) throw usageError(`-H "${flag}": expected key:value, e.g. -H trace-id:abc123`);
    if (headers.has(key)) throw usageError(`-H "${flag}": header "${key}" is given twice`);
    headers.set(key, flag.slice(colon + 1).trim());
  }
  return Object.fromEntries(headers);
}
