import type { Logger } from "../logging/logger.js";
import type { ResilienceEvents } from "./events.js";

/**
 * Writes the policies' events to `logger`: circuit openings and refusals
 * (bulkhead, rate limit) at `warn`, since they mean calls are being turned
 * away; retries and recoveries at `info`. Returns the function that stops
 * the logging.
 */
export function logResilienceEvents(events: ResilienceEvents, logger: Logger): () => void {
  const stops = [
    events.on("retry", (e) =>
      logger.info("retrying call", {
        service: e.service,
        method: e.method,
        attempt: e.attempt,
        delayMs: Math.round(e.delayMs),
        node: e.node,
        error: e.error.message,
      }),
    ),
    events.on("break", (e) =>
      logger.warn("circuit opened; skipping node", {
        service: e.service,
        node: e.node,
        halfOpenAt: e.halfOpenAt.toISOString(),
        ...(e.error === undefined ? {} : { error: e.error.message }),
      }),
    ),
    events.on("halfOpen", (e) => logger.info("circuit half-open; probing node", { service: e.service, node: e.node })),
    events.on("reset", (e) => logger.info("circuit closed; node recovered", { service: e.service, node: e.node })),
    events.on("bulkheadReject", (e) =>
      logger.warn("bulkhead full; call rejected", { service: e.service, method: e.method, limit: e.limit, queue: e.queue }),
    ),
    events.on("rateLimited", (e) =>
      logger.warn("rate limited", { side: e.side, key: e.key, method: e.method, retryAfterMs: e.retryAfterMs }),
    ),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
