import { usageError } from "../cli-error.js";

/** Commander collector for a repeatable option: each use appends its value. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Request metadata from `-H key:value` flags. Keys are lower-cased; a key
 * given twice sends both values; a `-bin` key takes base64 (as grpcurl does).
 * Fails naming the flag when a key is invalid or reserved.
 */
export function parseMetadataFlags(flags: readonly string[]): Record<string, string[] | Uint8Array[]> {
  const text: Record<string, string[]> = {};
  const binary: Record<string, Uint8Array[]> = {};
  for (const flag of flags) {
    const colon = flag.indexOf(":");
    const key = (colon < 0 ? "" : flag.slice(0, colon)).trim().toLowerCase();
    const value = flag.slice(colon + 1).trim();
    if (!/^[0-9a-z_.-]+$/.test(key)) {
      throw usageError(`-H "${flag}": expected key:value with a key of letters, digits, "-", "_" or ".", e.g. -H x-tenant:acme`);
    }
    if (key.startsWith("grpc-")) throw usageError(`-H "${flag}": keys starting with "grpc-" are reserved by gRPC`);
    if (key.endsWith("-bin")) {
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw usageError(`-H "${flag}": a -bin key takes a base64 value`);
      (binary[key] ??= []).push(Buffer.from(value, "base64"));
    } else {
      (text[key] ??= []).push(value);
    }
  }
  return { ...text, ...binary };
}
