/**
 * Defaults of the client policies. Each applies when neither the code nor
 * the configuration file sets the value (see config.ts for the precedence).
 */
import { Code } from "../errors/code.js";

/**
 * Attempts per call, the first included (gRPC's retry-policy meaning, not
 * cockatiel's "retries"): one retry on another node, then a third try, is
 * enough to ride out a node dying without tripling the load of a real outage.
 */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * First backoff before a retry, in milliseconds. Short on purpose: the retry
 * goes to another node when there is one, so the wait only has to spread
 * retry storms, not let the failed node recover (a service with a single
 * node gets that node again after this wait). Jittered with cockatiel's
 * decorrelated jitter.
 */
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 25;

/** Longest backoff between attempts, ms: keeps three attempts well inside the usual deadlines. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 1_000;

/**
 * Codes that may be retried, for idempotent methods (or when the caller opts
 * in). UNAVAILABLE is gRPC's "transient, try again" and what a refused or
 * dropped connection becomes. RESOURCE_EXHAUSTED is left out on purpose: a
 * rate limit or a full bulkhead is a request to slow down, not to call again.
 */
export const DEFAULT_RETRY_CODES: readonly Code[] = [Code.Unavailable];

/**
 * Consecutive node failures that open a node's circuit. Five tolerates the
 * odd dropped connection while a dead node stops receiving calls within a
 * few milliseconds under load.
 */
export const DEFAULT_BREAKER_THRESHOLD = 5;

/**
 * For the `sampling` breaker: the share of failed calls (0..1) in the sampling
 * window that opens the circuit. Half the calls failing is clearly the node.
 */
export const DEFAULT_SAMPLING_THRESHOLD = 0.5;

/** For the `sampling` breaker: the window, in ms, over which calls are sampled (cockatiel's own example: 30 s). */
export const DEFAULT_SAMPLING_DURATION_MS = 30_000;

/**
 * For the `sampling` breaker: the calls per second below which it never
 * opens, so that two failures out of three calls at night do not trip it.
 */
export const DEFAULT_SAMPLING_MINIMUM_RPS = 5;

/**
 * How long, in milliseconds, an open circuit stays open before one probe call
 * may go to the node (half-open). Ten seconds is long enough for a restarting
 * process to come back, short enough that a healed node soon gets traffic.
 */
export const DEFAULT_HALF_OPEN_AFTER_MS = 10_000;

/**
 * Calls to one service running at once from this client. Generous: the
 * bulkhead exists to stop one slow service from tying up every socket and all
 * memory of the caller, not to shape normal traffic.
 */
export const DEFAULT_BULKHEAD_LIMIT = 256;

/**
 * Calls to one service waiting for a bulkhead slot; beyond it calls are
 * rejected at once with RESOURCE_EXHAUSTED instead of queueing without bound.
 */
export const DEFAULT_BULKHEAD_QUEUE = 512;

/**
 * Request messages of a client-streaming or bidi call kept for replay on a
 * retry, until the first response arrives. A call that sends more before any
 * response is no longer retried, so memory stays bounded.
 */
export const DEFAULT_STREAM_REPLAY_LIMIT = 128;
