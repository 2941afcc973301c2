import type { Redis } from "ioredis";
import { messageOf } from "../../errors/message-of.js";
import type { DeliveryOutcome } from "../deliver.js";
import { AckBatcher } from "./ack-batcher.js";
import { deadLetterFields, entriesOfRead, parseAutoClaim, type StreamEntry } from "./stream-entry.js";
import { StreamSubscription, type SubscriptionContext, type SubscriptionSpec } from "./stream-subscription.js";

/**
 * ioredis has Buffer-returning variants of every command at run time but
 * declares only some. (`callBuffer` is no way out: with automatic pipelining,
 * ioredis 5.11 drops its command name.)
 */
interface UndeclaredBufferCommands {
  xreadgroupBuffer(...args: (string | number)[]): Promise<unknown>;
  xautoclaimBuffer(...args: (string | number)[]): Promise<unknown>;
}

function buffers(redis: Redis): UndeclaredBufferCommands {
  return redis as unknown as UndeclaredBufferCommands;
}

/** Errors remembered for messages left pending, so that their dead letter can say why. */
const REMEMBERED_ERRORS_MAX = 10_000;

/**
 * A member of a consumer group: reads new messages with `XREADGROUP … >`,
 * acknowledges a message only after its handler succeeded, and leaves a
 * failed one pending. Every `claimIntervalMs` it takes over (`XAUTOCLAIM`)
 * messages pending for `claimIdleMs` or longer, on any consumer of the group,
 * itself included: those of a crashed consumer, and its own failures. Each
 * such take-over counts as a delivery; a message whose handler failed on
 * its last allowed delivery, that was delivered more often than allowed
 * without an acknowledgement (its consumers keep dying), or that cannot be
 * decoded moves to the dead-letter stream, acknowledged in the same atomic
 * step.
 *
 * A new group starts at the end of the stream (`$`): it gets messages
 * published after it was created; an existing group resumes where it was. A
 * group that disappears (Redis restarted without persistence, or someone
 * destroyed it) is re-created from the start of the stream (`0`), so that
 * nothing published since is skipped.
 */
export class GroupSubscription extends StreamSubscription {
  override readonly group: string;
  readonly #acks: AckBatcher;
  readonly #errors = new Map<string, string>();
  #reclaimTimer: NodeJS.Timeout | undefined;
  #reclaiming: Promise<void> = Promise.resolve();
  #reclaimFailures = 0;

  constructor(context: SubscriptionContext, spec: SubscriptionSpec & { readonly group: string }) {
    super(context, spec);
    this.group = spec.group;
    this.#acks = new AckBatcher(context.command, this.topic, this.group, this.logger);
  }

  protected async prepare(): Promise<void> {
    await this.#createGroup("$");
    this.#scheduleReclaim();
  }

  async #createGroup(start: "$" | "0"): Promise<void> {
    try {
      await this.context.command.xgroup("CREATE", this.topic, this.group, start, "MKSTREAM");
    } catch (error) {
      if (!messageOf(error).startsWith("BUSYGROUP")) throw error;
    }
  }

  /**
   * Entries wait locally while earlier ones run (up to two batches: the
   * loop reads one ahead), and that time counts towards `claimIdleMs`: fetch
   * no more than the handlers work off within an eighth of it, so that two
   * batches take a quarter, lest another consumer take them over meanwhile.
   * Until handler times are known, reads fetch one per slot.
   */
  protected override readCount(): number {
    const { batchCount, claimIdleMs } = this.context.options;
    const handlerMs = this.handlerMs;
    if (handlerMs === undefined) return Math.min(batchCount, this.slots.limit);
    const affordable = Math.floor((claimIdleMs / 8 / Math.max(handlerMs, 0.001)) * this.slots.limit);
    return Math.max(1, Math.min(batchCount, affordable));
  }

  protected async read(reader: Redis, count: number): Promise<StreamEntry[]> {
    const { blockMs } = this.context.options;
    const reply = await buffers(reader).xreadgroupBuffer(
      "GROUP", this.group, this.consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", this.topic, ">",
    );
    return entriesOfRead(reply);
  }

  protected async recover(error: unknown): Promise<boolean> {
    if (!messageOf(error).startsWith("NOGROUP")) return false;
    this.logger.warn("consumer group missing (Redis restarted without persistence, or the group was destroyed); re-creating it from the start of the stream");
    await this.#createGroup("0");
    return true;
  }

  protected settle(entry: StreamEntry, deliveryCount: number): Promise<void> | void {
    const outcome = this.deliver(entry, deliveryCount);
    if (outcome instanceof Promise) return outcome.then((settled) => this.#settle(entry, deliveryCount, settled));
    return this.#settle(entry, deliveryCount, outcome);
  }

  #settle(entry: StreamEntry, deliveryCount: number, outcome: DeliveryOutcome): Promise<void> | void {
    if (outcome.kind !== "handled") return this.#settleSlow(entry, deliveryCount, outcome);
    if (this.#errors.size > 0) this.#errors.delete(entry.id);
    this.#acks.ack(entry.id);
  }

  /** A failure: dead-letter, or leave pending for a later delivery. */
  async #settleSlow(entry: StreamEntry, deliveryCount: number, outcome: DeliveryOutcome): Promise<void> {
    switch (outcome.kind) {
      case "handled":
        return;
      case "undecodable":
        this.#errors.delete(entry.id);
        await this.deadLetter(entry, deliveryCount, `cannot decode: ${messageOf(outcome.error)}`);
        return;
      case "failed": {
        const error = messageOf(outcome.error);
        const { maxDeliveries } = this.spec;
        if (deliveryCount >= maxDeliveries) {
          this.#errors.delete(entry.id);
          await this.deadLetter(entry, deliveryCount, error);
          return;
        }
        this.#rememberError(entry.id, error);
        this.logger.warn("handler failed; the message stays pending and is delivered again", {
          id: entry.id,
          deliveryCount,
          maxDeliveries,
          retryAfterMs: this.context.options.claimIdleMs,
          error,
        });
      }
    }
  }

  #rememberError(id: string, error: string): void {
    this.#errors.delete(id);
    this.#errors.set(id, error);
    if (this.#errors.size > REMEMBERED_ERRORS_MAX) {
      const oldest = this.#errors.keys().next().value;
      if (oldest !== undefined) this.#errors.delete(oldest);
    }
  }

  #scheduleReclaim(): void {
    if (this.stopping.aborted) return;
    this.#reclaimTimer = setTimeout(() => {
      this.#reclaiming = this.#reclaim().finally(() => this.#scheduleReclaim());
    }, this.context.options.claimIntervalMs);
  }

  async #reclaim(): Promise<void> {
    try {
      await this.#reclaimPass();
      this.#reclaimFailures = 0;
    } catch (error) {
      if (this.stopping.aborted) return;
      try {
        if (await this.recover(error)) return;
      } catch {
        // Reported below with the original error; the next pass tries again.
      }
      this.#reclaimFailures++;
      const fields = { error: messageOf(error), failures: this.#reclaimFailures };
      if (this.#reclaimFailures === 1) this.logger.warn("taking over pending messages failed; trying again later", fields);
      else this.logger.debug("taking over pending messages failed again", fields);
    }
  }

  /** Takes over every message pending longer than `claimIdleMs`, a batch at a time. */
  async #reclaimPass(): Promise<void> {
    const { claimIdleMs, batchCount } = this.context.options;
    let cursor = "0-0";
    do {
      const reply = await buffers(this.context.command).xautoclaimBuffer(
        this.topic, this.group, this.consumer, claimIdleMs, cursor, "COUNT", batchCount,
      );
      const { next, entries, deleted } = parseAutoClaim(reply);
      cursor = next;
      for (const id of deleted) await this.#reportTrimmed(id);
      // A handler slower than claimIdleMs is still running here: it stays the only one.
      const taken = entries.filter((entry) => !this.inProgress.has(entry.id));
      const counts = await this.#deliveryCounts(taken);
      for (const entry of taken) {
        const count = counts.get(entry.id);
        if (count === undefined) continue; // settled by another consumer meanwhile
        if (count > this.spec.maxDeliveries) {
          const error =
            this.#errors.get(entry.id) ??
            `not acknowledged after ${count - 1} deliveries: its consumers died, or took longer than claimIdleMs (${claimIdleMs} ms)`;
          this.#errors.delete(entry.id);
          await this.deadLetter(entry, count - 1, error);
          continue;
        }
        this.inProgress.add(entry.id);
        await this.dispatch(entry, count);
      }
    } while (cursor !== "0-0" && !this.stopping.aborted);
  }

  /** Delivery counters (XAUTOCLAIM's increment included) of entries this consumer owns. */
  async #deliveryCounts(entries: readonly StreamEntry[]): Promise<Map<string, number>> {
    const { command } = this.context;
    const replies = await Promise.all(
      entries.map((entry) => command.xpending(this.topic, this.group, entry.id, entry.id, 1, this.consumer)),
    );
    const counts = new Map<string, number>();
    for (const reply of replies) {
      const [id, , , count] = (reply[0] ?? []) as [string?, string?, number?, number?];
      if (id !== undefined && count !== undefined) counts.set(id, Number(count));
    }
    return counts;
  }

  /** A pending message trimmed away (MAXLEN) before it was handled: Redis forgot it; record that it is lost. */
  async #reportTrimmed(id: string): Promise<void> {
    const error = "trimmed from the stream (maxLen) before it was handled; the payload is lost";
    this.logger.error("a pending message was trimmed from the stream before it was handled", { id });
    const fields = deadLetterFields([], {
      topic: this.topic,
      id,
      error: this.#errors.get(id) === undefined ? error : `${error}; last error: ${this.#errors.get(id)}`,
      deliveries: 0,
      group: this.group,
      consumer: this.consumer,
    });
    this.#errors.delete(id);
    // XAUTOCLAIM already removed it from the pending list: nothing to acknowledge.
    await this.writeDeadLetter(undefined, id, fields);
  }

  protected override async stopBackground(): Promise<void> {
    clearTimeout(this.#reclaimTimer);
    await this.#reclaiming;
  }

  /** Sends the last acknowledgements and leaves the group if nothing is pending on this consumer. */
  protected async finish(): Promise<void> {
    await this.#acks.close();
    const { command } = this.context;
    const pending = await command.xpending(this.topic, this.group, "-", "+", 1, this.consumer);
    if (pending.length === 0) await command.xgroup("DELCONSUMER", this.topic, this.group, this.consumer);
  }
}
