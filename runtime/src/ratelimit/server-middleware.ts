import type { HandlerContext } from "../context/handler-context.js";
import type { ResilienceEvents } from "../resilience/events.js";
import type { ServerMiddleware } from "../server/middleware.js";
import { callerKey } from "./caller-key.js";
import { consumePoint } from "./consume.js";
import { limitersByName, type RateLimit, type RateLimitStore } from "./limiter.js";
import { rateLimitedError } from "./rejection.js";

/** Options of {@link serverRateLimit}. */
export interface ServerRateLimitOptions extends RateLimitStore {
  /** The budget of every method, per caller. Absent: only the methods listed in `methods` are limited. */
  readonly limit?: RateLimit;
  /** Budgets by full method path (`/kled.mcp.v1.McpService/CallTool`); `false` exempts a method. */
  readonly methods?: Readonly<Record<string, RateLimit | false>>;
  /** Whom a call counts against. Default {@link callerKey}: the verified identity, else the peer host. */
  readonly callerKey?: (context: HandlerContext) => string;
  /** Receives a `rateLimited` event per refused call, e.g. a Resilience's `events`. */
  readonly events?: ResilienceEvents;
}

/**
 * Server middleware that limits calls per method and per caller with
 * `rate-limiter-flexible`: one point per call (a stream counts once, when it
 * starts). A call over the budget fails with RESOURCE_EXHAUSTED before the
 * handler runs, with `retry-after` (seconds) and `retry-after-ms` trailers.
 * Put it after an auth middleware so that the verified identity is known.
 */
export function serverRateLimit(options: ServerRateLimitOptions): ServerMiddleware {
  const limiterOf = limitersByName(options.limit, options.methods, (path) => path, options);
  const keyOf = options.callerKey ?? callerKey;

  return (next) => async (request) => {
    const path = request.method.path;
    const limiter = limiterOf(path);
    if (limiter === undefined) return next(request);
    const caller = keyOf(request.context);
    const waitMs = await consumePoint(limiter, caller, request.context.logger);
    if (waitMs === undefined) return next(request);
    options.events?.emit("rateLimited", { side: "server", key: `${path}|${caller}`, method: path, retryAfterMs: waitMs });
    throw rateLimitedError(`${path} for ${caller}`, waitMs);
  };
}
