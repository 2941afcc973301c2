import type { DescMessage } from "@bufbuild/protobuf";
import type { Redis } from "ioredis";
import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import type { MessageHandler, Subscription } from "../broker.js";
import { deliver, type DeliveryOutcome } from "../deliver.js";
import type { PayloadCodec } from "../envelope.js";
import { HandlerSlots } from "../handler-slots.js";
import type { Topic } from "../topic.js";
import { pause } from "../../timing/pause.js";
import { waitAtMost } from "../../timing/wait-at-most.js";
import { redisRetryMs } from "./backoff.js";
import { writeDeadLetter } from "./dead-letter-script.js";
import type { ResolvedRedisBrokerOptions } from "./options.js";
import { deadLetterFields, envelopeOf, type StreamEntry } from "./stream-entry.js";

/** First and longest pause between two CLIENT UNBLOCK of a closing subscription whose read has not returned. */
const UNBLOCK_RETRY_FIRST_MS = 2;
const UNBLOCK_RETRY_MAX_MS = 50;

/** Time granted to the last acknowledgements of a closing subscription even when its drain time is used up. */
const FINISH_MIN_MS = 1_000;


type ReadOutcome = { readonly entries: StreamEntry[] } | { readonly error: unknown };

/** What a subscription shares with its broker. Internal. */
export interface SubscriptionContext {
  /** The broker's connection for everything but blocking reads (automatically pipelined). */
  readonly command: Redis;
  /** Connects a reader: a connection of the subscription's own for blocking reads, and its client id. */
  readonly connectReader: (name: string) => Promise<{ redis: Redis; id: string }>;
  readonly options: ResolvedRedisBrokerOptions;
  readonly payloads: PayloadCodec;
  readonly logger: Logger;
  /** Called once the subscription has closed. */
  readonly closed: (subscription: StreamSubscription) => void;
}

/** What to subscribe. Internal. */
export interface SubscriptionSpec {
  readonly topic: Topic;
  readonly handler: MessageHandler<DescMessage>;
  readonly group: string | undefined;
  readonly consumer: string;
  readonly concurrency: number;
  readonly maxDeliveries: number;
}

/**
 * Reads a topic's stream on its own connection and runs the handler on each
 * message with bounded concurrency; {@link GroupSubscription} and
 * {@link FanoutSubscription} say how to read and what to do with outcomes.
 *
 * Redis errors never end the read loop: it logs them and retries with
 * backoff (ioredis reconnects meanwhile). Closing stops reading, interrupts a
 * blocked read with `CLIENT UNBLOCK`, hands what was already read to the
 * handlers, and waits for them.
 */
export abstract class StreamSubscription implements Subscription {
  readonly topic: string;
  readonly group: string | undefined;
  readonly consumer: string;
  protected readonly context: SubscriptionContext;
  protected readonly spec: SubscriptionSpec;
  protected readonly logger: Logger;
  protected readonly slots: HandlerSlots;
  /** Ids read or claimed by this subscriber and not yet settled. */
  protected readonly inProgress = new Set<string>();
  /** Aborted when closing starts: loops stop, pauses end. */
  readonly #stopping = new AbortController();
  /** Aborted when the drain time ran out: handlers should give up. */
  readonly #abortHandlers = new AbortController();
  /** The connection for blocking reads and its client id; undefined until connected, and after it dropped. */
  #reader: { redis: Redis; id: string } | undefined;
  #reading = false;
  #readLoop: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  /** Moving average of handler time in milliseconds; undefined until the first handler finished. */
  #handlerMs: number | undefined;

  constructor(context: SubscriptionContext, spec: SubscriptionSpec) {
    this.context = context;
    this.spec = spec;
    this.topic = spec.topic.name;
    this.group = spec.group;
    this.consumer = spec.consumer;
    this.logger = context.logger.child({
      topic: this.topic,
      ...(spec.group === undefined ? {} : { group: spec.group }),
      consumer: spec.consumer,
    });
    this.slots = new HandlerSlots(spec.concurrency, `broker "redis" topic "${this.topic}"`);
  }

  /** The dead-letter stream of this topic. */
  get deadLetterTopic(): string {
    return this.topic + this.context.options.deadLetterSuffix;
  }

  /** Aborted once closing started. */
  protected get stopping(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Aborted once the drain time ran out. */
  protected get handlersAborted(): AbortSignal {
    return this.#abortHandlers.signal;
  }

  /** Puts the subscription in place, then starts reading; rejects if Redis refuses. */
  async start(): Promise<void> {
    await this.prepare();
    this.#readLoop = this.#runReadLoop();
  }

  /** Creates what the subscription needs in Redis before it reads. */
  protected abstract prepare(): Promise<void>;
  /** One blocking read of up to `count` entries on `reader`; [] on timeout. */
  protected abstract read(reader: Redis, count: number): Promise<StreamEntry[]>;
  /** Handles one entry inside a handler slot; synchronous when the handler and the outcome allow. */
  protected abstract settle(entry: StreamEntry, deliveryCount: number): Promise<void> | void;
  /** Repairs what a read error says is broken; true when the read should simply be retried. */
  protected abstract recover(error: unknown): Promise<boolean>;
  /** Called after the handlers drained, before the reader closes. */
  protected abstract finish(): Promise<void>;
  /** Stops work besides the read loop; called first when closing. */
  protected async stopBackground(): Promise<void> {}

  /** How many entries the next read may fetch. */
  protected readCount(): number {
    return this.context.options.batchCount;
  }

  /** Average handler time in milliseconds, once known. */
  protected get handlerMs(): number | undefined {
    return this.#handlerMs;
  }

  /**
   * Handles `entry` in a handler slot, without waiting for the handler.
   * Returns a promise only when it has to wait for a slot first, to spare
   * the common case a turn of the microtask queue. The caller has put the
   * entry in {@link inProgress}.
   */
  protected dispatch(entry: StreamEntry, deliveryCount: number): Promise<void> | undefined {
    const wait = this.slots.acquire();
    if (wait === undefined) {
      this.#runInSlot(entry, deliveryCount);
      return undefined;
    }
    return wait.then(() => this.#runInSlot(entry, deliveryCount));
  }

  // No closures on the synchronous path: this runs for every message.
  #runInSlot(entry: StreamEntry, deliveryCount: number): void {
    if (this.#abortHandlers.signal.aborted) {
      // Closed after the drain time: leave the entry to a later delivery.
      this.inProgress.delete(entry.id);
      this.slots.release();
      return;
    }
    const started = performance.now();
    let result;
    try {
      result = this.settle(entry, deliveryCount);
    } catch (error) {
      this.#settleFailed(entry, error);
    }
    if (!(result instanceof Promise)) {
      this.#settled(entry, started);
      return;
    }
    result.then(
      () => this.#settled(entry, started),
      (error: unknown) => {
        this.#settleFailed(entry, error);
        this.#settled(entry, started);
      },
    );
  }

  #settled(entry: StreamEntry, started: number): void {
    this.inProgress.delete(entry.id);
    const ms = performance.now() - started;
    this.#handlerMs = this.#handlerMs === undefined ? ms : this.#handlerMs * 0.8 + ms * 0.2;
    this.slots.release();
  }

  #settleFailed(entry: StreamEntry, error: unknown): void {
    this.logger.error("settling a message failed", { id: entry.id, error: messageOf(error) });
  }

  /** Decodes the entry and runs the handler on it. */
  protected deliver(entry: StreamEntry, deliveryCount: number): Promise<DeliveryOutcome> | DeliveryOutcome {
    let envelope;
    try {
      envelope = envelopeOf(entry.fields);
    } catch (error) {
      return { kind: "undecodable", error };
    }
    const { payloads } = this.context;
    return deliver(payloads, this.spec.topic, this.spec.handler, envelope, entry.id, this.group, deliveryCount, this.#abortHandlers.signal);
  }

  /**
   * Moves an entry to the dead-letter stream (acknowledging it in the group
   * in the same step), retrying Redis errors until the drain time of a
   * closing subscription runs out. In a group, an entry whose dead letter
   * could not be written stays pending and comes back.
   */
  protected async deadLetter(entry: StreamEntry, deliveries: number, error: string): Promise<void> {
    const fields = deadLetterFields(entry.fields, {
      topic: this.topic,
      id: entry.id,
      error,
      deliveries,
      group: this.group,
      consumer: this.consumer,
    });
    for (let failures = 1; ; failures++) {
      try {
        const deadId = (await this.writeDeadLetter(this.group, entry.id, fields))?.id;
        if (deadId === undefined) {
          this.logger.debug("message already settled by another consumer; no dead letter written", { id: entry.id });
        } else {
          this.logger.error("message moved to the dead-letter stream", {
            id: entry.id,
            deadLetterTopic: this.deadLetterTopic,
            deadLetterId: deadId,
            deliveries,
            error,
          });
        }
        return;
      } catch (writeError) {
        if (this.#abortHandlers.signal.aborted) {
          this.logger.error(
            this.group === undefined
              ? "could not write a dead letter before closing; this subscriber loses the message"
              : "could not write a dead letter before closing; the message stays pending",
            { id: entry.id, error, writeError: messageOf(writeError) },
          );
          return;
        }
        await pause(redisRetryMs(failures), this.#abortHandlers.signal);
      }
    }
  }

  /**
   * Writes a dead letter (acknowledging `id` in `group` when given) into the
   * bounded dead-letter stream, and warns when that dropped the oldest ones.
   */
  protected async writeDeadLetter(group: string | undefined, id: string, fields: readonly (string | Buffer)[]) {
    const { deadLetterMaxLen } = this.context.options;
    const written = await writeDeadLetter(this.context.command, this.topic, this.deadLetterTopic, deadLetterMaxLen, group, id, fields);
    if (written !== undefined && written.dropped > 0) {
      this.logger.warn("the dead-letter stream is full: its oldest dead letters were dropped", {
        topic: this.topic,
        deadLetterTopic: this.deadLetterTopic,
        dropped: written.dropped,
        length: written.length,
        deadLetterMaxLen,
      });
    }
    return written;
  }

  async #connectReader(): Promise<{ redis: Redis; id: string }> {
    const reader = await this.context.connectReader(`kled-sub:${this.consumer}`);
    reader.redis.on("end", () => {
      if (this.#reader === reader) this.#reader = undefined;
    });
    if (this.#stopping.signal.aborted) reader.redis.disconnect();
    return reader;
  }

  /**
   * Reads until closing. While a batch is being handled the next one is
   * already on its way (one read ahead), so that Redis and the handlers work
   * at the same time; an empty batch (the read timed out) starts no read
   * ahead, and no read starts while every handler slot is taken.
   */
  async #runReadLoop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.#stopping.signal.addEventListener("abort", () => resolve(), { once: true }));
    let failures = 0;
    let ahead: Promise<ReadOutcome> | undefined;
    for (;;) {
      if (ahead === undefined) {
        if (this.#stopping.signal.aborted) break;
        await Promise.race([this.slots.whenFree(), stopped]);
        if (this.#stopping.signal.aborted) break;
        ahead = this.#readOnce();
      }
      const outcome = await ahead;
      ahead = undefined;
      if ("error" in outcome) {
        if (this.#stopping.signal.aborted) break;
        let cause = outcome.error;
        try {
          if (await this.recover(cause)) continue;
        } catch (recoverError) {
          cause = recoverError;
        }
        failures++;
        const delayMs = redisRetryMs(failures);
        const fields = { error: messageOf(cause), delayMs, failures };
        if (failures === 1) this.logger.warn("reading the stream failed; retrying", fields);
        else this.logger.debug("reading the stream failed again; retrying", fields);
        await pause(delayMs, this.#stopping.signal);
        continue;
      }
      failures = 0;
      const { entries } = outcome;
      // Marked at once, not when their turn comes: the take-over loop must leave them alone meanwhile.
      for (const entry of entries) this.inProgress.add(entry.id);
      if (entries.length > 0 && !this.#stopping.signal.aborted) ahead = this.#readOnce();
      // Entries already read are handled even when closing: in a group they are pending on this consumer.
      for (const entry of entries) {
        const wait = this.dispatch(entry, 1);
        if (wait !== undefined) await wait;
      }
    }
  }

  /** One read, its failure captured: a read started ahead must not reject unobserved. */
  async #readOnce(): Promise<ReadOutcome> {
    try {
      const reader = (this.#reader ??= await this.#connectReader());
      this.#reading = true;
      return { entries: await this.read(reader.redis, this.readCount()) };
    } catch (error) {
      return { error };
    } finally {
      this.#reading = false;
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  unsubscribe(): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    const deadline = performance.now() + this.context.options.drainTimeoutMs;
    this.#stopping.abort();
    await waitAtMost(this.stopBackground(), deadline - performance.now());
    await this.#interruptRead(deadline);
    const drained = await this.slots.drain(Math.max(0, deadline - performance.now()));
    if (!drained) {
      this.logger.warn("handlers still running after the drain time; aborting them", {
        drainTimeoutMs: this.context.options.drainTimeoutMs,
        running: this.slots.busy,
      });
      this.#abortHandlers.abort(new Error(`subscription to "${this.topic}" closed`));
    }
    // Bounded: with Redis down, ioredis would hold these commands until it gives up reconnecting.
    await waitAtMost(
      this.finish().catch((error: unknown) => this.logger.warn("cleaning up the subscription failed", { error: messageOf(error) })),
      Math.max(FINISH_MIN_MS, deadline - performance.now()),
    );
    this.#reader?.redis.disconnect();
    this.context.closed(this);
  }

  /** Ends a blocked read at once instead of after its block time; past the deadline, drops the connection. */
  async #interruptRead(deadline: number): Promise<void> {
    let ended = false;
    const loop = this.#readLoop.then(() => (ended = true));
    // The read may not have reached Redis when UNBLOCK does (they travel on different
    // connections): ask again, soon at first, then less often.
    for (let retryMs = UNBLOCK_RETRY_FIRST_MS; !ended && performance.now() < deadline; ) {
      if (this.#reading && this.#reader !== undefined) {
        await this.context.command.call("CLIENT", "UNBLOCK", this.#reader.id).catch(() => undefined);
      }
      await waitAtMost(loop, Math.min(retryMs, deadline - performance.now()));
      retryMs = Math.min(retryMs * 2, UNBLOCK_RETRY_MAX_MS);
    }
    // Past the deadline: a read still blocked is dropped (entries Redis sent for it stay pending on
    // this consumer and are taken over later); a loop still handing out entries finds the handlers
    // aborted and leaves those entries pending too.
    if (!ended) this.#reader?.redis.disconnect();
  }
}
