import type { Endpoint } from "./registry.js";

/**
 * Shape checks for registry records read back from the wire (mDNS TXT
 * payloads, Consul meta): what another process wrote is untrusted input.
 */

/** A plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object whose values are all strings, as record and node metadata are. */
export function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === "string");
}

/** A well-formed {@link Endpoint}. */
export function isEndpoint(value: unknown): value is Endpoint {
  return (
    isObject(value) &&
    typeof value["name"] === "string" &&
    typeof value["request"] === "string" &&
    typeof value["response"] === "string" &&
    isStringRecord(value["metadata"])
  );
}
