import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { Codecs } from "../../codec/codecs.js";
import { messageOf } from "../../errors/message-of.js";
import { consoleLogger } from "../../logging/console-logger.js";
import type { Logger } from "../../logging/logger.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_DELIVERIES,
  type Broker,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from "../broker.js";
import type { BrokerStats } from "../broker-stats.js";
import { DEFAULT_DEAD_LETTER_MAX_LEN, type DeadLetter } from "../dead-letter.js";
import { deliver } from "../deliver.js";
import { PayloadCodec, type Envelope } from "../envelope.js";
import { HandlerSlots } from "../handler-slots.js";
import { wholeNumber } from "../option-value.js";
import type { Topic } from "../topic.js";

/** Options of {@link MemoryBroker}. */
export interface MemoryBrokerOptions {
  /** Codecs that encode and decode payloads. Default: protobuf binary and JSON. */
  codecs?: Codecs;
  /** Codec of published messages unless `publish` names one. Default `proto`. */
  codec?: string;
  /** Deliveries before a message goes to the dead letters. Default {@link DEFAULT_MAX_DELIVERIES}. */
  maxDeliveries?: number;
  /** How long a closing subscription waits for its handlers, in milliseconds. Default {@link DEFAULT_DRAIN_TIMEOUT_MS}. */
  drainTimeoutMs?: number;
  /**
   * Dead letters kept per topic; past it the oldest of the topic go, with a
   * warning. `Infinity` keeps all. Default {@link DEFAULT_DEAD_LETTER_MAX_LEN}.
   */
  deadLetterMaxLen?: number;
  /** Default: a console logger. */
  logger?: Logger;
}

interface QueuedMessage {
  readonly id: string;
  readonly envelope: Envelope;
  /** The number of this delivery, 1 for the first. */
  readonly deliveryCount: number;
}

/**
 * Messages waiting for one consumer group, or for one subscriber without a
 * group. A group's queue outlives its subscribers, as a Redis consumer group
 * does: a subscriber that joins later gets what accumulated.
 */
class MessageQueue {
  readonly messages: QueuedMessage[] = [];
  readonly members: MemorySubscription[] = [];
  #next = 0;

  /** Hands waiting messages to members with a free slot, round robin. */
  pump(): void {
    while (this.messages.length > 0) {
      const member = this.#freeMember();
      if (member === undefined) return;
      member.dispatch(this.messages.shift()!);
    }
  }

  #freeMember(): MemorySubscription | undefined {
    for (let tried = 0; tried < this.members.length; tried++) {
      const member = this.members[(this.#next + tried) % this.members.length]!;
      if (member.canTake()) {
        this.#next = (this.#next + tried + 1) % this.members.length;
        return member;
      }
    }
    return undefined;
  }
}

interface TopicQueues {
  readonly groups: Map<string, MessageQueue>;
  readonly fanout: Set<MessageQueue>;
}

/**
 * A broker inside one process, with the semantics of the Redis one: group
 * members share messages, subscribers without a group each get all, a
 * handler failure means redelivery (at once, to any member of the group) up
 * to the limit, then the dead letters ({@link MemoryBroker.deadLetters}); a
 * group member's handler still running when its drain time ran out leaves
 * its message to the group again.
 * Payloads are encoded on publish and decoded on delivery, so codec choices
 * behave as across processes. Queues are not bounded; the dead letters of
 * each topic are (`deadLetterMaxLen`).
 */
export class MemoryBroker implements Broker {
  readonly name = "memory";
  readonly #payloads: PayloadCodec;
  readonly #maxDeliveries: number;
  readonly #drainTimeoutMs: number;
  readonly #logger: Logger;
  readonly #topics = new Map<string, TopicQueues>();
  readonly #subscriptions = new Set<MemorySubscription>();
  readonly #deadLetters: DeadLetter[] = [];
  /** Dead letters kept per topic. */
  readonly #deadLetterCounts = new Map<string, number>();
  readonly #deadLetterMaxLen: number;
  #sequence = 0;
  #closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.#payloads = new PayloadCodec(options.codecs, options.codec);
    this.#maxDeliveries = wholeNumber('broker "memory"', "maxDeliveries", options.maxDeliveries, DEFAULT_MAX_DELIVERIES);
    this.#drainTimeoutMs = wholeNumber('broker "memory"', "drainTimeoutMs", options.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, 0);
    this.#deadLetterMaxLen = wholeNumber(
      'broker "memory"',
      "deadLetterMaxLen",
      options.deadLetterMaxLen,
      DEFAULT_DEAD_LETTER_MAX_LEN,
      1,
      true,
    );
    this.#logger = (options.logger ?? consoleLogger()).child({ broker: this.name });
  }

  async publish<Desc extends DescMessage>(
    topic: Topic<Desc>,
    message: MessageInitShape<Desc>,
    options?: PublishOptions,
  ): Promise<string> {
    this.#assertOpen();
    const envelope = this.#payloads.encode(topic, message, options);
    const id = `${envelope.publishedAt}-${this.#sequence++}`;
    const queues = this.#topics.get(topic.name);
    if (queues === undefined) return id;
    const targets = [...queues.groups.values(), ...queues.fanout];
    for (const queue of targets) queue.messages.push({ id, envelope, deliveryCount: 1 });
    // Handlers run on a later turn of the event loop, as with a real broker: the publisher goes on first.
    setImmediate(() => {
      for (const queue of targets) queue.pump();
    });
    return id;
  }

  async subscribe<Desc extends DescMessage>(
    topic: Topic<Desc>,
    handler: MessageHandler<Desc>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.#assertOpen();
    const owner = `broker "memory" topic "${topic.name}"`;
    const maxDeliveries = wholeNumber(owner, "maxDeliveries", options.maxDeliveries, this.#maxDeliveries);
    const slots = new HandlerSlots(options.concurrency ?? DEFAULT_CONCURRENCY, owner);
    const queues = this.#queuesOf(topic.name);
    let queue: MessageQueue;
    if (options.group === undefined) {
      queue = new MessageQueue();
      queues.fanout.add(queue);
    } else {
      queue = queues.groups.get(options.group) ?? new MessageQueue();
      queues.groups.set(options.group, queue);
    }
    const subscription = new MemorySubscription({
      topic: topic as Topic,
      handler: handler as MessageHandler<DescMessage>,
      group: options.group,
      queue,
      slots,
      maxDeliveries,
      drainTimeoutMs: this.#drainTimeoutMs,
      payloads: this.#payloads,
      logger: this.#logger.child({ topic: topic.name, ...(options.group === undefined ? {} : { group: options.group }) }),
      deadLetter: (letter) => this.#keepDeadLetter(letter),
      detach: () => {
        queues.fanout.delete(queue);
        this.#subscriptions.delete(subscription);
      },
    });
    queue.members.push(subscription);
    this.#subscriptions.add(subscription);
    setImmediate(() => queue.pump());
    return subscription;
  }

  /** Per subscribed topic and group: messages waiting or being handled; per topic: dead letters kept. */
  stats(): Promise<BrokerStats> {
    const pending: { topic: string; group: string | undefined; count: number }[] = [];
    for (const [topic, queues] of this.#topics) {
      for (const [group, queue] of queues.groups) pending.push({ topic, group, count: queue.messages.length + inFlightOf(queue) });
      for (const queue of queues.fanout) pending.push({ topic, group: undefined, count: queue.messages.length + inFlightOf(queue) });
    }
    const deadLettered = [...this.#topics.keys()].map((topic) => ({ topic, count: this.#deadLetterCounts.get(topic) ?? 0 }));
    return Promise.resolve({ pending, deadLettered });
  }

  /** Messages that exhausted their deliveries or could not be decoded, oldest first; all topics when none is given. */
  deadLetters(topic?: string | Topic): DeadLetter[] {
    const name = typeof topic === "string" ? topic : topic?.name;
    return this.#deadLetters.filter((letter) => name === undefined || letter.topic === name);
  }

  /** Keeps `letter`, dropping the oldest of its topic past the bound. */
  #keepDeadLetter(letter: DeadLetter): void {
    this.#deadLetters.push(letter);
    const count = (this.#deadLetterCounts.get(letter.topic) ?? 0) + 1;
    if (count <= this.#deadLetterMaxLen) {
      this.#deadLetterCounts.set(letter.topic, count);
      return;
    }
    this.#deadLetters.splice(
      this.#deadLetters.findIndex((kept) => kept.topic === letter.topic),
      1,
    );
    this.#logger.warn("the dead letters of the topic are full: the oldest was dropped", {
      topic: letter.topic,
      dropped: 1,
      length: this.#deadLetterMaxLen,
      deadLetterMaxLen: this.#deadLetterMaxLen,
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    this.#topics.clear();
  }

  #queuesOf(name: string): TopicQueues {
    let queues = this.#topics.get(name);
    if (queues === undefined) {
      queues = { groups: new Map(), fanout: new Set() };
      this.#topics.set(name, queues);
    }
    return queues;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`broker "memory": closed; create a new broker`);
  }
}

function inFlightOf(queue: MessageQueue): number {
  return queue.members.reduce((sum, member) => sum + member.inFlight, 0);
}

interface MemorySubscriptionInit {
  readonly topic: Topic;
  readonly handler: MessageHandler<DescMessage>;
  readonly group: string | undefined;
  readonly queue: MessageQueue;
  readonly slots: HandlerSlots;
  readonly maxDeliveries: number;
  readonly drainTimeoutMs: number;
  readonly payloads: PayloadCodec;
  readonly logger: Logger;
  readonly deadLetter: (letter: DeadLetter) => void;
  readonly detach: () => void;
}

class MemorySubscription implements Subscription {
  readonly topic: string;
  readonly group: string | undefined;
  readonly #init: MemorySubscriptionInit;
  readonly #abort = new AbortController();
  /** Messages whose handlers run now: given back to the group when the drain time runs out. */
  readonly #inFlight = new Set<QueuedMessage>();
  #closing: Promise<void> | undefined;

  constructor(init: MemorySubscriptionInit) {
    this.#init = init;
    this.topic = init.topic.name;
    this.group = init.group;
  }

  /** Messages whose handlers run now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  canTake(): boolean {
    return this.#closing === undefined && this.#init.slots.busy < this.#init.slots.limit;
  }

  dispatch(queued: QueuedMessage): void {
    const { slots, queue } = this.#init;
    slots.acquire();
    this.#inFlight.add(queued);
    slots.run(
      () => this.#handle(queued),
      () => {
        this.#inFlight.delete(queued);
        queue.pump();
      },
    );
  }

  async #handle(queued: QueuedMessage): Promise<void> {
    const { payloads, topic, handler, maxDeliveries, logger, queue } = this.#init;
    const outcome = await deliver(payloads, topic, handler, queued.envelope, queued.id, this.group, queued.deliveryCount, this.#abort.signal);
    // Given back to the group at the drain timeout: this outcome no longer counts.
    if (!this.#inFlight.has(queued)) return;
    if (outcome.kind === "handled") return;
    const error = messageOf(outcome.error);
    if (outcome.kind === "failed" && queued.deliveryCount < maxDeliveries) {
      logger.warn("handler failed; the message will be delivered again", {
        id: queued.id,
        deliveryCount: queued.deliveryCount,
        maxDeliveries,
        error,
      });
      queue.messages.push({ ...queued, deliveryCount: queued.deliveryCount + 1 });
      return;
    }
    logger.error("message moved to the dead letters", { id: queued.id, deliveryCount: queued.deliveryCount, error });
    const { envelope } = queued;
    this.#init.deadLetter({
      topic: topic.name,
      id: queued.id,
      error,
      deliveryCount: queued.deliveryCount,
      group: this.group,
      consumer: undefined,
      payload: envelope.payload,
      contentType: envelope.contentType,
      headers: envelope.headers,
      publishedAt: new Date(envelope.publishedAt),
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  unsubscribe(): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    const { queue, slots, detach, drainTimeoutMs, logger } = this.#init;
    queue.members.splice(queue.members.indexOf(this), 1);
    detach();
    if (this.group === undefined && queue.messages.length > 0) {
      logger.warn("unsubscribed with messages not yet handled; they are discarded", { count: queue.messages.length });
      queue.messages.length = 0;
    }
    if (!(await slots.drain(drainTimeoutMs))) {
      logger.warn("handlers still running after the drain time; aborting them", { drainTimeoutMs, running: slots.busy });
      // Not acknowledged, so delivered again, as a crashed subscriber's messages are by the other brokers.
      if (this.group !== undefined) {
        for (const queued of this.#inFlight) queue.messages.push({ ...queued, deliveryCount: queued.deliveryCount + 1 });
      }
      this.#inFlight.clear();
      this.#abort.abort(new Error(`subscription to "${this.topic}" closed`));
    }
    // Redeliveries of failed messages that were queued while draining go to the other members.
    queue.pump();
  }
}
