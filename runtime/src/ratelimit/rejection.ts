import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";

/** Trailing metadata key: whole seconds to wait before calling again (as HTTP's Retry-After). */
export const RETRY_AFTER_KEY = "retry-after";

/** Trailing metadata key: milliseconds to wait before calling again. */
export const RETRY_AFTER_MS_KEY = "retry-after-ms";

/**
 * RESOURCE_EXHAUSTED for a call over its rate limit, with the wait in the
 * trailing metadata. The client's retry policy does not retry this code by
 * default: the caller should wait, not call again at once.
 */
export function rateLimitedError(what: string, msBeforeNext: number): KledError {
  const ms = Math.max(0, Math.ceil(msBeforeNext));
  return new KledError(Code.ResourceExhausted, `${what}: rate limit exceeded; retry after ${ms} ms`, {
    [RETRY_AFTER_KEY]: String(Math.ceil(ms / 1000)),
    [RETRY_AFTER_MS_KEY]: String(ms),
  });
}

/** The wait a rate-limited error asks for, in ms; undefined when it names none. */
export function retryAfterMs(error: KledError): number | undefined {
  const ms = Number(error.metadata[RETRY_AFTER_MS_KEY]);
  if (Number.isFinite(ms)) return ms;
  const seconds = Number(error.metadata[RETRY_AFTER_KEY]);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
