import type { ClientMiddleware } from "../client/middleware.js";
import { silentLogger, type Logger } from "../logging/logger.js";
import type { ResilienceEvents } from "../resilience/events.js";
import { consumePoint } from "./consume.js";
import { limitersByName, type RateLimit, type RateLimitStore } from "./limiter.js";
import { rateLimitedError } from "./rejection.js";

/** Options of {@link clientRateLimit}. */
export interface ClientRateLimitOptions extends RateLimitStore {
  /** The budget of calls to every service. Absent: only the services listed in `services` are limited. */
  readonly limit?: RateLimit;
  /** Budgets by registered service name; `false` exempts a service. */
  readonly services?: Readonly<Record<string, RateLimit | false>>;
  /** Receives a `rateLimited` event per refused call, e.g. a Resilience's `events`. */
  readonly events?: ResilienceEvents;
  /** Told when the limiter itself fails. Default: silent. */
  readonly logger?: Logger;
}

/**
 * Client middleware that limits the calls this client makes to each service
 * with `rate-limiter-flexible` (with Redis, the calls of every client sharing
 * the prefix). A call over the budget fails at once with RESOURCE_EXHAUSTED
 * and `retry-after`/`retry-after-ms` metadata, without leaving the process;
 * it sits outside the resilience policies, so it is never retried.
 */
export function clientRateLimit(options: ClientRateLimitOptions): ClientMiddleware {
  const limiterOf = limitersByName(options.limit, options.services, (service) => `client:${service}`, options);
  const logger = options.logger ?? silentLogger;

  return (next) => async (request) => {
    const limiter = limiterOf(request.serviceName);
    if (limiter === undefined) return next(request);
    const waitMs = await consumePoint(limiter, request.serviceName, logger);
    if (waitMs === undefined) return next(request);
    options.events?.emit("rateLimited", {
      side: "client",
      key: request.serviceName,
      method: request.method.path,
      retryAfterMs: waitMs,
    });
    throw rateLimitedError(`calls to service "${request.serviceName}" from this client`, waitMs);
  };
}
