import type { RedisOptions } from "ioredis";
import { Redis } from "../../peers/ioredis.js";
import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import { RECONNECT_MAX_MS, redactUrl } from "./options.js";

/** Reconnects forever: quickly at first, then every {@link RECONNECT_MAX_MS}. */
function retryStrategy(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), RECONNECT_MAX_MS);
}

/**
 * Opens the broker's shared connection (publishes, acknowledgements, take-overs,
 * dead letters): it pipelines concurrent commands automatically; reconnects
 * forever; fails a command after ioredis' default number of reconnection
 * attempts; and logs an outage once (when it starts and when it ends)
 * instead of on every attempt. (Publishes come batched already, see
 * `XaddBatcher`.)
 */
export function openSharedConnection(url: string, options: RedisOptions, logger: Logger, name: string): Redis {
  const redis = new Redis(url, { retryStrategy, connectionName: name, ...options, enableAutoPipelining: true });
  let down = false;
  redis.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    logger.warn("Redis connection failed; reconnecting", { url: redactUrl(url), connection: name, error: messageOf(error) });
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info("Redis connection restored", { url: redactUrl(url), connection: name });
  });
  return redis;
}

/**
 * Connects a subscription's reader: one blocking read at a time, no
 * pipelining, and no reconnection. When the connection drops, its read fails
 * at once and the read loop connects anew (with backoff): ioredis would
 * otherwise send the blocked read again on a new connection whose id the loop
 * does not know yet (it needs it for CLIENT UNBLOCK), and without resending
 * it would leave the read unsettled forever. Errors surface as rejected
 * commands, which the loop logs.
 */
export async function connectReader(url: string, options: RedisOptions, name: string): Promise<{ redis: Redis; id: string }> {
  const redis = new Redis(url, {
    connectionName: name,
    ...options,
    lazyConnect: true,
    enableAutoPipelining: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
    retryStrategy: () => null,
  });
  // ioredis rejects a failed connect with "Connection is closed."; the error event says why.
  let cause: unknown;
  redis.on("error", (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
    return { redis, id: String(await redis.client("ID")) };
  } catch (error) {
    redis.disconnect();
    throw cause ?? error;
  }
}

/** Closes a connection: politely (QUIT, after the replies in flight) when it is up, at once otherwise. */
export async function closeConnection(redis: Redis, timeoutMs = 1_000): Promise<void> {
  if (redis.status === "ready") {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([redis.quit().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }
  redis.disconnect();
}
