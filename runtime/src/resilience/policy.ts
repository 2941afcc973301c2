/**
 * The policies of one call: the configuration merged field by field, most
 * specific first (method, service, `defaults`), over the constants of
 * defaults.ts.
 */
import type { Code } from "../errors/code.js";
import type { MethodDefinition } from "../definition/service-definition.js";
import type { ResilienceConfig, ServiceConfig } from "./config.js";
import {
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
} from "./defaults.js";
import { codesOf } from "./validate-config.js";

/** Retry settings of one method of one service. */
export interface RetrySettings {
  readonly enabled: boolean;
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly codes: ReadonlySet<Code>;
  readonly allowNonIdempotent: boolean;
}

/** Breaker settings of the nodes of one service. */
export interface BreakerSettings {
  readonly enabled: boolean;
  readonly kind: "consecutive" | "sampling";
  readonly threshold: number;
  readonly samplingDurationMs: number;
  readonly minimumRps: number;
  readonly halfOpenAfterMs: number;
}

/** Bulkhead settings of one service. */
export interface BulkheadSettings {
  readonly enabled: boolean;
  readonly limit: number;
  readonly queue: number;
}

/** Everything the policies of one call need to know. */
export interface CallPolicy {
  readonly retry: RetrySettings;
  readonly breaker: BreakerSettings;
  readonly bulkhead: BulkheadSettings;
}

/** The policies of `method` (proto name, e.g. `CallTool`) of `service` (registered name). */
export function resolvePolicy(config: ResilienceConfig, service: string, method: string): CallPolicy {
  const entry: ServiceConfig | undefined = config.services?.[service];
  const defaults = config.defaults;
  const retry = [entry?.methods?.[method]?.retry, entry?.retry, defaults?.retry];
  const breaker = [entry?.breaker, defaults?.breaker];
  const bulkhead = [entry?.bulkhead, defaults?.bulkhead];
  const kind = pick(breaker, "kind") ?? "consecutive";
  const codes = pick(retry, "codes");
  return {
    retry: {
      enabled: pick(retry, "enabled") ?? true,
      maxAttempts: pick(retry, "maxAttempts") ?? DEFAULT_MAX_ATTEMPTS,
      initialDelayMs: pick(retry, "initialDelayMs") ?? DEFAULT_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: pick(retry, "maxDelayMs") ?? DEFAULT_RETRY_MAX_DELAY_MS,
      codes: new Set(codes === undefined ? DEFAULT_RETRY_CODES : codesOf(codes)),
      allowNonIdempotent: pick(retry, "allowNonIdempotent") ?? false,
    },
    breaker: {
      enabled: pick(breaker, "enabled") ?? true,
      kind,
      threshold: pick(breaker, "threshold") ?? (kind === "sampling" ? DEFAULT_SAMPLING_THRESHOLD : DEFAULT_BREAKER_THRESHOLD),
      samplingDurationMs: pick(breaker, "samplingDurationMs") ?? DEFAULT_SAMPLING_DURATION_MS,
      minimumRps: pick(breaker, "minimumRps") ?? DEFAULT_SAMPLING_MINIMUM_RPS,
      halfOpenAfterMs: pick(breaker, "halfOpenAfterMs") ?? DEFAULT_HALF_OPEN_AFTER_MS,
    },
    bulkhead: {
      enabled: pick(bulkhead, "enabled") ?? true,
      limit: pick(bulkhead, "limit") ?? DEFAULT_BULKHEAD_LIMIT,
      queue: pick(bulkhead, "queue") ?? DEFAULT_BULKHEAD_QUEUE,
    },
  };
}

/**
 * The configured timeout of a call to `method` of `service`, in ms, or
 * undefined to use the client's default. A method's own entry applies to
 * any kind; a service's or the `defaults` entry only to calls with one
 * response, because streams (watches, task events) may rightly run long.
 */
export function configuredTimeoutMs(config: ResilienceConfig, service: string, method: MethodDefinition): number | undefined {
  const entry = config.services?.[service];
  const own = entry?.methods?.[method.name]?.timeoutMs;
  if (own !== undefined) return own;
  const single = method.kind === "unary" || method.kind === "client_streaming";
  return single ? (entry?.timeoutMs ?? config.defaults?.timeoutMs) : undefined;
}

/** The first defined value of `key` among `sources`, most specific first. */
function pick<T extends object, K extends keyof T>(sources: ReadonlyArray<T | undefined>, key: K): T[K] | undefined {
  for (const source of sources) {
    const value = source?.[key];
    if (value !== undefined) return value;
  }
  return undefined;
}
