import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { messageOf } from "../errors/message-of.js";
import type { Logger } from "../logging/logger.js";

/**
 * Takes one point for `key`: resolves with undefined when the call may go on,
 * or with the milliseconds to wait when the budget is spent. A limiter that
 * fails (its store down and no insurance left) lets the call through, with a
 * warning: a broken limiter must not take the service down with it.
 */
export async function consumePoint(limiter: RateLimiterAbstract, key: string, logger: Logger): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (reason) {
    if (reason instanceof RateLimiterRes) return reason.msBeforeNext;
    logger.warn("rate limiter failed; letting the call through", { key, error: messageOf(reason) });
    return undefined;
  }
}
