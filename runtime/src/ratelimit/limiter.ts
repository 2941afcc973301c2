/**
 * Rate limiters from `rate-limiter-flexible`: in memory for one process, or
 * in Redis (through ioredis) to share one budget across every instance of a
 * service.
 */
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";

/** A budget: `points` calls per `durationSec` seconds (a fixed window, as rate-limiter-flexible counts). */
export interface RateLimit {
  readonly points: number;
  readonly durationSec: number;
}

/** Where the counters live. */
export interface RateLimitStore {
  /**
   * An ioredis client: every instance using the same Redis and `keyPrefix`
   * shares the budget. Absent: counters in this process's memory.
   */
  readonly redis?: Redis;
  /** Namespace of the counters (a Redis key prefix). Default {@link DEFAULT_RATE_LIMIT_PREFIX}. */
  readonly keyPrefix?: string;
}

/**
 * Default namespace of the counters. Instances that should share a budget
 * must use the same one; give unrelated limiters on one Redis their own.
 */
export const DEFAULT_RATE_LIMIT_PREFIX = "kled-rl";

/**
 * A limiter for `limit`, its counters under `<prefix>:<name>`. With Redis, an
 * in-memory limiter with the same budget is the library's "insurance": while
 * Redis is unreachable each instance enforces the budget on its own, instead
 * of every call failing or the limit vanishing.
 */
export function createLimiter(limit: RateLimit, name: string, store: RateLimitStore): RateLimiterAbstract {
  checkLimit(limit, name);
  const options = {
    points: limit.points,
    duration: limit.durationSec,
    keyPrefix: `${store.keyPrefix ?? DEFAULT_RATE_LIMIT_PREFIX}:${name}`,
  };
  if (store.redis === undefined) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    storeClient: store.redis,
    // ioredis, not node-redis: the library's documented switch stays off.
    useRedisPackage: false,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

function checkLimit(limit: RateLimit, name: string): void {
  if (!(Number.isInteger(limit.points) && limit.points >= 1)) {
    throw new Error(`rate limit "${name}": points ${limit.points} is invalid; use an integer of at least 1`);
  }
  if (!(Number.isInteger(limit.durationSec) && limit.durationSec >= 1)) {
    throw new Error(`rate limit "${name}": durationSec ${limit.durationSec} is invalid; use a whole number of seconds, at least 1`);
  }
}

/**
 * Limiters by name (a service or a method), made on first use and kept: the
 * name's own budget from `budgets`, none when it is `false`, else `fallback`.
 * The names `budgets` lists are made at once, so that a wrong budget fails at
 * start-up rather than on the first call.
 */
export function limitersByName(
  fallback: RateLimit | undefined,
  budgets: Readonly<Record<string, RateLimit | false>> | undefined,
  limiterName: (name: string) => string,
  store: RateLimitStore,
): (name: string) => RateLimiterAbstract | undefined {
  const limiters = new Map<string, RateLimiterAbstract | undefined>();
  const limiterOf = (name: string): RateLimiterAbstract | undefined => {
    if (limiters.has(name)) return limiters.get(name);
    const own = budgets?.[name];
    const limit = own === false ? undefined : (own ?? fallback);
    const limiter = limit === undefined ? undefined : createLimiter(limit, limiterName(name), store);
    limiters.set(name, limiter);
    return limiter;
  };
  for (const name of Object.keys(budgets ?? {})) limiterOf(name);
  return limiterOf;
}
