/**
 * Which failures are the node's fault, and which calls may be tried again.
 *
 * Node failures (they count against the node's circuit breaker and the
 * load-aware selector's latency):
 * - UNAVAILABLE: connection refused or dropped, the node shutting down, or a
 *   server saying it is unavailable;
 * - DEADLINE_EXCEEDED while still connecting (grpc-js reports "Waiting for LB
 *   pick"): the node never accepted the call.
 * Not node failures: every other code. INTERNAL and UNKNOWN are what a
 * handler's unexpected exception answers with, a bug in one method for some
 * inputs, not a sign that the node is down, so they must not cut the node off
 * for every method; a DEADLINE_EXCEEDED after the call was sent is a slow
 * answer, which the load-aware selector already weighs; RESOURCE_EXHAUSTED is
 * a rate limit or a full bulkhead. Business errors, a handler's KledError
 * with any other code, prove the node answered and count as successes.
 *
 * Retries: only codes in the retry settings (UNAVAILABLE by default); for a
 * method whose generated info says it is idempotent or free of side effects
 * (`safeToRetry`), or when the caller or the configuration opts in, or when
 * the failure is known to have happened before anything reached a server
 * (no node available, the node's circuit open, the connection never
 * established): those are safe for any method.
 */
import type { MethodDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import type { KledError } from "../errors/kled-error.js";
import type { RetrySettings } from "./policy.js";

/**
 * How grpc-js 1.14 words a call that failed because no connection to the
 * node could be made (pick-first and round-robin balancers alike).
 */
const NO_CONNECTION = "No connection established";

/** How grpc-js words a deadline that passed before the call was given a connection. */
const WAITING_FOR_CONNECTION = ["Waiting for LB pick", "waiting for name resolution"];

const notSent = new WeakSet<KledError>();

/** Marks `error` as having happened before the request left this process; returns it. */
export function markNotSent(error: KledError): KledError {
  notSent.add(error);
  return error;
}

/** True when the request of the failed attempt certainly reached no server. */
export function wasNotSent(error: KledError): boolean {
  return notSent.has(error) || (error.code === Code.Unavailable && error.rawMessage.includes(NO_CONNECTION));
}

/** True when `error` counts against the node it came from (see the module comment). */
export function isNodeFailure(error: KledError): boolean {
  if (error.code === Code.Unavailable) return true;
  return error.code === Code.DeadlineExceeded && WAITING_FOR_CONNECTION.some((text) => error.rawMessage.includes(text));
}

/** What a retry decision looks at, besides the error. */
export interface RetryContext {
  readonly method: MethodDefinition;
  readonly settings: RetrySettings;
  /** The call's own `retry` option: true opts in, false opts out, undefined leaves it to the method and settings. */
  readonly optIn: boolean | undefined;
}

/**
 * True when `error` may be retried (on another node when there is one) by
 * its code and the method's idempotency (the call's deadline and stream
 * state are checked by the caller of this function).
 */
export function mayRetry(error: KledError, context: RetryContext): boolean {
  const { settings, optIn, method } = context;
  if (!settings.enabled || optIn === false || !settings.codes.has(error.code)) return false;
  return wasNotSent(error) || method.safeToRetry || optIn === true || settings.allowNonIdempotent;
}
