import { randomUUID } from "node:crypto";

/** The request metadata key that correlates the logs of one request across services. */
export const REQUEST_ID_KEY = "x-request-id";

/**
 * Request metadata that outgoing calls made inside a handler copy from the
 * incoming call: W3C trace context and the request id.
 */
export const PROPAGATED_METADATA_KEYS: readonly string[] = ["traceparent", "tracestate", REQUEST_ID_KEY];

/** A fresh request id, for calls that arrive without one. */
export function newRequestId(): string {
  return randomUUID();
}

/** The earlier of two optional deadlines. */
export function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
