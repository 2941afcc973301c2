import { randomUUID } from "node:crypto";
import type { RedisOptions } from "ioredis";
import { Redis } from "../../peers/ioredis.js";
import type { Watcher } from "casbin";
import { DEFAULT_REDIS_URL, REDIS_URL_ENV } from "../../broker/redis/options.js";
import { messageOf } from "../../errors/message-of.js";
import { consoleLogger } from "../../logging/console-logger.js";
import type { Logger } from "../../logging/logger.js";

/** Options of {@link RedisWatcher.open}. */
export interface RedisWatcherOptions {
  /** Default: `KLED_REDIS_URL`, else redis://127.0.0.1:6379. */
  readonly url?: string;
  /** The pub/sub channel policy changes are announced on. Default {@link DEFAULT_POLICY_CHANNEL}. */
  readonly channel?: string;
  /** More ioredis options, applied over the URL's. */
  readonly redis?: RedisOptions;
  /** Default: a console logger. */
  readonly logger?: Logger;
}

/** One channel for every service sharing a policy store. */
export const DEFAULT_POLICY_CHANNEL = "kled:casbin:policy";

/** How long `open` waits for the subscription, in milliseconds, before failing. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;

/**
 * Casbin's Watcher over Redis pub/sub: `update()` tells every other
 * instance that the policy changed; when another instance says so, the
 * update callback runs (the authorizer reloads). Pub/sub forgets messages
 * sent while a subscriber is disconnected, so the callback also runs after
 * every reconnection.
 */
export class RedisWatcher implements Watcher {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #instance = randomUUID();
  readonly #logger: Logger;
  #callback: (() => void) | undefined;
  #closed = false;

  private constructor(publisher: Redis, subscriber: Redis, channel: string, logger: Logger) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
    this.#logger = logger;
  }

  /** Connects and subscribes; rejects naming the URL when Redis cannot be reached. */
  static async open(options: RedisWatcherOptions = {}): Promise<RedisWatcher> {
    const url = options.url ?? process.env[REDIS_URL_ENV]?.trim() ?? DEFAULT_REDIS_URL;
    const channel = options.channel ?? DEFAULT_POLICY_CHANNEL;
    const logger = (options.logger ?? consoleLogger()).child({ component: "casbin-watcher", channel });
    const connect = (): Redis => {
      const redis = new Redis(url, { lazyConnect: true, connectTimeout: SUBSCRIBE_TIMEOUT_MS, ...options.redis });
      redis.on("error", (error: unknown) => logger.debug("Redis connection error", { error: messageOf(error) }));
      return redis;
    };
    const publisher = connect();
    const subscriber = connect();
    const watcher = new RedisWatcher(publisher, subscriber, channel, logger);
    try {
      await Promise.all([publisher.connect(), subscriber.connect()]);
      await subscriber.subscribe(channel);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      throw new Error(`policy watcher: cannot subscribe to ${channel} on ${url.replace(/\/\/[^@]*@/, "//***@")} (${messageOf(error)}); is Redis running?`, {
        cause: error,
      });
    }
    subscriber.on("message", (from: string, text: string) => watcher.#received(from, text));
    // ioredis subscribes again by itself after a reconnection; what was published meanwhile is lost.
    subscriber.on("ready", () => {
      logger.info("reconnected; reloading the policy in case a change was missed");
      watcher.#notify();
    });
    return watcher;
  }

  setUpdateCallback(callback: () => void): void {
    this.#callback = callback;
  }

  /** Announces a policy change to the other instances; false when Redis is unreachable. */
  async update(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await this.#publisher.publish(this.#channel, JSON.stringify({ instance: this.#instance, at: Date.now() }));
      return true;
    } catch (error) {
      this.#logger.warn("cannot announce a policy change; other instances reload on their next reconnection", {
        error: messageOf(error),
      });
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscriber.removeAllListeners("ready");
    await Promise.allSettled([this.#subscriber.quit(), this.#publisher.quit()]);
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }

  #received(channel: string, text: string): void {
    if (channel !== this.#channel) return;
    let instance: unknown;
    try {
      instance = (JSON.parse(text) as { instance?: unknown }).instance;
    } catch {
      instance = undefined; // not ours: still a change announcement
    }
    // This instance applied its own change already.
    if (instance === this.#instance) return;
    this.#notify();
  }

  #notify(): void {
    if (!this.#closed) this.#callback?.();
  }
}
