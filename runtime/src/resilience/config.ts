/**
 * The shape of the client policy configuration, the same in code and in a
 * JSON file (see load-config.ts):
 *
 * ```json
 * {
 *   "defaults": { "retry": { "maxAttempts": 2 } },
 *   "services": {
 *     "kled.mcp.tools": {
 *       "timeoutMs": 5000,
 *       "retry": { "maxAttempts": 3, "initialDelayMs": 25 },
 *       "breaker": { "threshold": 5, "halfOpenAfterMs": 10000 },
 *       "bulkhead": { "limit": 64, "queue": 128 },
 *       "methods": { "CallTool": { "retry": { "enabled": false } } }
 *     }
 *   }
 * }
 * ```
 *
 * Precedence, most specific first: the method's entry, the service's entry
 * (by registered name), `defaults`, then the constants of defaults.ts. Each
 * field falls back on its own, so a method entry that sets only
 * `retry.enabled` keeps the service's `maxAttempts`.
 *
 * Timeouts: a call's own `timeoutMs`/`deadline` and the service client's
 * `timeoutMs` win over the configuration, which wins over the client's
 * default. A `timeoutMs` on a service or in `defaults` applies to calls with
 * one response (unary, client-streaming), like the client's default; on a
 * method it applies whatever the method's kind.
 *
 * The breaker is per node and the bulkhead per service, so both are set on a
 * service (or in `defaults`), never on a method.
 */

/** gRPC status code names, as `codeName()` spells them. */
export type CodeName =
  | "CANCELED"
  | "UNKNOWN"
  | "INVALID_ARGUMENT"
  | "DEADLINE_EXCEEDED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "UNIMPLEMENTED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "DATA_LOSS"
  | "UNAUTHENTICATED";

/**
 * Retries with exponential backoff and decorrelated jitter, each on a node
 * not tried yet in the call when there is one, else on the nodes already
 * tried (the same node, when there is only one) after the backoff.
 */
export interface RetryConfig {
  /** Default true. */
  readonly enabled?: boolean;
  /** Attempts per call, the first included; 1 means no retry. Default `DEFAULT_MAX_ATTEMPTS`. */
  readonly maxAttempts?: number;
  /** Backoff before the first retry, ms. Default `DEFAULT_RETRY_INITIAL_DELAY_MS`. */
  readonly initialDelayMs?: number;
  /** Longest backoff, ms. Default `DEFAULT_RETRY_MAX_DELAY_MS`. */
  readonly maxDelayMs?: number;
  /** Codes to retry. Default `["UNAVAILABLE"]`; RESOURCE_EXHAUSTED only if listed here. */
  readonly codes?: readonly CodeName[];
  /**
   * Retry methods whose generated info does not say they are idempotent.
   * Default false: a failure that may have reached the server is retried
   * only for `idempotent` and `no-side-effects` methods.
   */
  readonly allowNonIdempotent?: boolean;
}

/** A circuit breaker per node (cockatiel `ConsecutiveBreaker` or `SamplingBreaker`). */
export interface BreakerConfig {
  /** Default true. */
  readonly enabled?: boolean;
  /** Default `consecutive`. */
  readonly kind?: "consecutive" | "sampling";
  /**
   * `consecutive`: failures in a row that open the circuit (an integer ≥ 1,
   * default `DEFAULT_BREAKER_THRESHOLD`). `sampling`: the failing share in
   * (0, 1] (default `DEFAULT_SAMPLING_THRESHOLD`).
   */
  readonly threshold?: number;
  /** `sampling` only: the window in ms. Default `DEFAULT_SAMPLING_DURATION_MS`. */
  readonly samplingDurationMs?: number;
  /** `sampling` only: calls per second below which it never opens. Default `DEFAULT_SAMPLING_MINIMUM_RPS`. */
  readonly minimumRps?: number;
  /** Ms an open circuit waits before letting one probe through. Default `DEFAULT_HALF_OPEN_AFTER_MS`. */
  readonly halfOpenAfterMs?: number;
}

/** Calls to one service at once, and waiting (cockatiel `bulkhead`). */
export interface BulkheadConfig {
  /** Default true. */
  readonly enabled?: boolean;
  /** Calls running at once. Default `DEFAULT_BULKHEAD_LIMIT`. */
  readonly limit?: number;
  /** Calls waiting for a slot; more are rejected. Default `DEFAULT_BULKHEAD_QUEUE`. */
  readonly queue?: number;
}

/** What one method may override. */
export interface MethodPolicyConfig {
  /** Milliseconds a call may take, all attempts included. */
  readonly timeoutMs?: number;
  readonly retry?: RetryConfig;
}

/** The policies of calls to one service, or of every service (`defaults`). */
export interface ServicePolicyConfig extends MethodPolicyConfig {
  readonly breaker?: BreakerConfig;
  readonly bulkhead?: BulkheadConfig;
}

/** One service's entry, with per-method overrides by proto method name (e.g. `CallTool`). */
export interface ServiceConfig extends ServicePolicyConfig {
  readonly methods?: Readonly<Record<string, MethodPolicyConfig>>;
}

/** The whole configuration. */
export interface ResilienceConfig {
  /** Applies to every service. */
  readonly defaults?: ServicePolicyConfig;
  /** By registered service name, e.g. `kled.mcp.tools`. */
  readonly services?: Readonly<Record<string, ServiceConfig>>;
}
