import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "../logging/logger.js";
import type { RateLimit, RateLimitStore } from "../ratelimit/limiter.js";

/** The gateway's per-caller budget: `points` MCP requests per `durationSec`, in memory or shared through Redis. */
export type McpGatewayRateLimit = RateLimit & RateLimitStore;

type Consume = (limiter: RateLimiterAbstract, key: string, logger: Logger) => Promise<number | undefined>;

/** Limiter name under the store's prefix: the counters are `<prefix>:mcp-gateway:<caller>`. */
const LIMITER_NAME = "mcp-gateway";

/**
 * Counts each POST to the MCP endpoint (one JSON-RPC request, a tool call
 * among them) against its caller: the verified subject with auth, the
 * client's IP address without. rate-limiter-flexible is loaded only when a
 * limit is configured, so the gateway without one does not need it.
 */
export class GatewayRateLimit {
  readonly #limiter: RateLimiterAbstract;
  readonly #consume: Consume;
  readonly #logger: Logger;

  private constructor(limiter: RateLimiterAbstract, consume: Consume, logger: Logger) {
    this.#limiter = limiter;
    this.#consume = consume;
    this.#logger = logger;
  }

  static async create(limit: McpGatewayRateLimit, logger: Logger): Promise<GatewayRateLimit> {
    const [{ createLimiter }, { consumePoint }] = await Promise.all([import("../ratelimit/limiter.js"), import("../ratelimit/consume.js")]);
    return new GatewayRateLimit(createLimiter(limit, LIMITER_NAME, limit), consumePoint, logger);
  }

  /** Undefined when the request may go on, else the milliseconds until the caller's budget refills. */
  take(caller: string): Promise<number | undefined> {
    return this.#consume(this.#limiter, caller, this.#logger);
  }
}
