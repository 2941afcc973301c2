import type { Redis } from "ioredis";
import { messageOf } from "../../errors/message-of.js";
import { pause } from "../../timing/pause.js";
import { redisRetryMs } from "./backoff.js";
import { entriesOf, entriesOfRead, type StreamEntry } from "./stream-entry.js";
import { StreamSubscription } from "./stream-subscription.js";

/**
 * A subscriber without a group: reads every message with `XREAD` after the
 * last id it saw, starting at the end of the stream as it was when
 * subscribing. Redis keeps no delivery state for it, so a failed handler is
 * retried here, with backoff, up to the delivery limit; then the message goes
 * to the dead-letter stream (as does one that cannot be decoded). Messages
 * published while the subscriber is gone are not delivered to it: use a
 * group for that.
 */
export class FanoutSubscription extends StreamSubscription {
  #lastId = "0-0";

  protected async prepare(): Promise<void> {
    // The current last id rather than "$" in each read: nothing published between
    // subscribe() resolving and the first read is missed.
    const [last] = entriesOf(await this.context.command.xrevrangeBuffer(this.topic, "+", "-", "COUNT", 1));
    this.#lastId = last?.id ?? "0-0";
  }

  protected async read(reader: Redis, count: number): Promise<StreamEntry[]> {
    const { blockMs } = this.context.options;
    const reply = await reader.xreadBuffer("COUNT", count, "BLOCK", blockMs, "STREAMS", this.topic, this.#lastId);
    const entries = entriesOfRead(reply);
    const last = entries.at(-1);
    if (last !== undefined) this.#lastId = last.id;
    return entries;
  }

  protected async recover(): Promise<boolean> {
    return false;
  }

  protected async settle(entry: StreamEntry): Promise<void> {
    const { maxDeliveries } = this.spec;
    for (let deliveryCount = 1; ; deliveryCount++) {
      const outcome = await this.deliver(entry, deliveryCount);
      if (outcome.kind === "handled") return;
      const error = messageOf(outcome.error);
      if (outcome.kind === "undecodable") {
        await this.deadLetter(entry, deliveryCount, `cannot decode: ${error}`);
        return;
      }
      if (deliveryCount >= maxDeliveries) {
        await this.deadLetter(entry, deliveryCount, error);
        return;
      }
      const delayMs = redisRetryMs(deliveryCount);
      this.logger.warn("handler failed; delivering the message again", { id: entry.id, deliveryCount, maxDeliveries, delayMs, error });
      await pause(delayMs, this.handlersAborted);
      if (this.handlersAborted.aborted) {
        this.logger.error("closed before the message was handled; this subscriber loses it", { id: entry.id, deliveryCount, error });
        return;
      }
    }
  }

  protected async finish(): Promise<void> {}
}
