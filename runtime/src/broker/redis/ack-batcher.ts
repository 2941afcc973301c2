import type { Redis } from "ioredis";
import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import { redisRetryMs } from "./backoff.js";

/**
 * Acknowledges messages of one group in batches: the ids acknowledged during
 * one turn of the event loop go out as one `XACK`. A failed `XACK` is retried
 * with backoff; a message whose acknowledgement never arrives is delivered
 * again later, never lost.
 */
export class AckBatcher {
  readonly #redis: Redis;
  readonly #topic: string;
  readonly #group: string;
  readonly #logger: Logger;
  #ids: string[] = [];
  #scheduled = false;
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** The flush in progress; flushes never overlap. */
  #flushing: Promise<void> = Promise.resolve();

  constructor(redis: Redis, topic: string, group: string, logger: Logger) {
    this.#redis = redis;
    this.#topic = topic;
    this.#group = group;
    this.#logger = logger;
  }

  ack(id: string): void {
    this.#ids.push(id);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Sends what is queued; resolves when that attempt (and any before it) settled. */
  flush(): Promise<void> {
    this.#scheduled = false;
    clearTimeout(this.#retryTimer);
    this.#flushing = this.#flushing.then(() => this.#send());
    return this.#flushing;
  }

  /** Makes a last attempt; what still fails stays pending in Redis and is logged. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#retryTimer);
    if (this.#ids.length > 0) {
      this.#logger.warn("could not acknowledge handled messages; they will be delivered again", {
        count: this.#ids.length,
      });
      this.#ids = [];
    }
  }

  async #send(): Promise<void> {
    if (this.#ids.length === 0) return;
    const ids = this.#ids;
    this.#ids = [];
    try {
      await this.#redis.xack(this.#topic, this.#group, ...ids);
      this.#failures = 0;
    } catch (error) {
      if (messageOf(error).startsWith("NOGROUP")) {
        // The group is gone, and with it what was pending: nothing left to acknowledge.
        return;
      }
      this.#failures++;
      this.#ids = ids.concat(this.#ids);
      const delayMs = redisRetryMs(this.#failures);
      if (this.#failures === 1) {
        this.#logger.warn("acknowledging failed; retrying", { count: ids.length, delayMs, error: messageOf(error) });
      }
      this.#retryTimer = setTimeout(() => void this.flush(), delayMs);
    }
  }
}
