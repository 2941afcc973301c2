export type {
  BreakerConfig,
  BulkheadConfig,
  CodeName,
  MethodPolicyConfig,
  ResilienceConfig,
  RetryConfig,
  ServiceConfig,
  ServicePolicyConfig,
} from "./config.js";
export {
  DEFAULT_BREAKER_THRESHOLD,
  DEFAULT_BULKHEAD_LIMIT,
  DEFAULT_BULKHEAD_QUEUE,
  DEFAULT_HALF_OPEN_AFTER_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_CODES,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_SAMPLING_DURATION_MS,
  DEFAULT_SAMPLING_MINIMUM_RPS,
  DEFAULT_SAMPLING_THRESHOLD,
  DEFAULT_STREAM_REPLAY_LIMIT,
} from "./defaults.js";
export {
  ResilienceEvents,
  type BreakEvent,
  type BreakerEvent,
  type BulkheadRejectEvent,
  type RateLimitedEvent,
  type ResilienceEventMap,
  type ResilienceEventName,
  type RetryEvent,
} from "./events.js";
export { isNodeFailure, mayRetry, wasNotSent, type RetryContext } from "./classify.js";
export { RESILIENCE_CONFIG_ENV, resilienceFromEnv } from "./from-env.js";
export { loadResilienceConfig } from "./load-config.js";
export { logResilienceEvents } from "./log-events.js";
export type { CircuitStateName } from "./node-breakers.js";
export type { BreakerSettings, BulkheadSettings, CallPolicy, RetrySettings } from "./policy.js";
export { Resilience, type NodeCaller, type NodeTarget } from "./resilience.js";
export { ResilienceConfigError, validateResilienceConfig } from "./validate-config.js";
