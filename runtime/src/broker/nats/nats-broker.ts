import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import { consoleLogger } from "../../logging/console-logger.js";
import type { Logger } from "../../logging/logger.js";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "../../peers/nats-jetstream.js";
import type { ConnectionOptions, MsgHdrs, NatsConnection } from "../../peers/nats-transport.js";
import type { Broker, MessageHandler, PublishOptions, SubscribeOptions, Subscription } from "../broker.js";
import type { BrokerStats, BrokerStatsSource } from "../broker-stats.js";
import type { DeadLetter } from "../dead-letter.js";
import { PayloadCodec } from "../envelope.js";
import { wholeNumber } from "../option-value.js";
import type { Topic } from "../topic.js";
import { connectNats } from "./connection.js";
import { deadLetterOf, headersOf } from "./message-headers.js";
import { fanoutConsumer, groupConsumer, topicStream, topicSubject } from "./names.js";
import { NatsSubscription, type NatsSubscriptionContext } from "./nats-subscription.js";
import { redactNatsUrl, resolveNatsBrokerOptions, type NatsBrokerSettings, type ResolvedNatsBrokerOptions } from "./options.js";
import { ensureStream } from "./streams.js";

/** Options of {@link NatsBroker}; every one has a default that works with a local `nats-server -js`. */
export interface NatsBrokerOptions extends NatsBrokerSettings {
  /** More options of the NATS client (TLS, credentials, timeouts…), applied over the URL's. */
  connection?: Partial<ConnectionOptions>;
}

/** How many dead letters {@link NatsBroker.deadLetters} returns unless told otherwise. */
const DEAD_LETTERS_DEFAULT_COUNT = 100;

/** Time a closing broker grants its connection to send what it buffered, in milliseconds. */
const CONNECTION_DRAIN_MS = 2_000;

interface Connected {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/**
 * A broker on NATS JetStream: one stream per topic (`KLED_<topic>`, on the
 * subject `kled.<topic>`, file storage, the oldest messages discarded past
 * `maxMessages`), a durable consumer per group (`group_<group>`, shared by
 * its members: a work queue), and a durable consumer of its own for each
 * subscriber without a group (every message published after it
 * subscribed; removed when it closes, or by JetStream once its process is
 * gone for `fanoutInactiveMs`). See {@link NatsSubscription} for
 * acknowledgements, redelivery and dead letters.
 *
 * A message is its payload as the codec wrote it, with the headers
 * `Content-Type`, `Kled-Published-At` (epoch milliseconds) and the
 * publisher's own (trace context among them) as NATS headers. Its id is its
 * stream sequence. Dead letters of topic `t` go to the topic `t:dlq` (its
 * own stream, bounded at `deadLetterMaxMessages`): the message with its
 * headers, plus `Kled-Error`, `Kled-Deliveries`, `Kled-Group`,
 * `Kled-Consumer`, `Kled-Original-Id`, `Kled-Topic` and `Kled-Dead-At`.
 *
 * One connection, opened on first use and reconnecting forever; streams
 * and consumers are created on first use.
 */
export class NatsBroker implements Broker, BrokerStatsSource {
  readonly name = "nats";
  readonly options: ResolvedNatsBrokerOptions;
  readonly #payloads: PayloadCodec;
  readonly #logger: Logger;
  readonly #connectionOptions: Partial<ConnectionOptions>;
  readonly #subscriptions = new Set<NatsSubscription>();
  /** Streams known to exist, by topic. */
  readonly #streams = new Map<string, Promise<string>>();
  #connecting: Promise<Connected> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: NatsBrokerOptions = {}) {
    this.options = resolveNatsBrokerOptions(options);
    this.#payloads = new PayloadCodec(options.codecs, options.codec);
    this.#logger = (options.logger ?? consoleLogger()).child({ broker: this.name });
    this.#connectionOptions = options.connection ?? {};
  }

  /** Resolves with the message's stream sequence once JetStream stored it. */
  async publish<Desc extends DescMessage>(topic: Topic<Desc>, message: MessageInitShape<Desc>, options?: PublishOptions): Promise<string> {
    this.#assertOpen();
    const subject = topicSubject(topic.name);
    const envelope = this.#payloads.encode(topic, message, options);
    let headers;
    try {
      headers = headersOf(envelope);
    } catch (error) {
      throw new KledError(Code.InvalidArgument, `broker "nats": cannot publish to "${topic.name}": ${messageOf(error)}`, {}, { cause: error });
    }
    try {
      return String(await this.#store(topic.name, subject, envelope.payload, headers, undefined));
    } catch (error) {
      throw this.#unavailable(`cannot publish to "${topic.name}"`, error);
    }
  }

  /**
   * Publishes on the topic's subject, creating its stream first when this
   * broker has not seen it; a failure may mean the stream is gone (deleted
   * meanwhile): it is created again and the publish tried once more.
   */
  async #store(topic: string, subject: string, data: Uint8Array, headers: MsgHdrs, msgID: string | undefined): Promise<number> {
    const { js } = await this.#connected();
    await this.#ensureStream(topic);
    const options = { headers, ...(msgID === undefined ? {} : { msgID }) };
    try {
      return (await js.publish(subject, data, options)).seq;
    } catch {
      this.#streams.delete(topic);
      await this.#ensureStream(topic);
      return (await js.publish(subject, data, options)).seq;
    }
  }

  #ensureStream(topic: string): Promise<string> {
    let ensured = this.#streams.get(topic);
    if (ensured === undefined) {
      const maxMessages = topic.endsWith(this.options.deadLetterSuffix) ? this.options.deadLetterMaxMessages : this.options.maxMessages;
      ensured = this.#connected().then(({ jsm }) => ensureStream(jsm, topic, { maxMessages }));
      ensured.catch(() => this.#streams.delete(topic));
      this.#streams.set(topic, ensured);
    }
    return ensured;
  }

  async subscribe<Desc extends DescMessage>(topic: Topic<Desc>, handler: MessageHandler<Desc>, options: SubscribeOptions = {}): Promise<Subscription> {
    this.#assertOpen();
    const owner = `broker "nats" topic "${topic.name}"`;
    if (options.group === "") throw new Error(`${owner}: the group name is empty; leave it out for a subscriber without a group`);
    topicSubject(topic.name);
    const subscriber = subscriberName();
    const { ackWaitMs, fanoutInactiveMs } = this.options;
    const spec = {
      topic: topic as Topic,
      handler: handler as MessageHandler<DescMessage>,
      group: options.group,
      subscriber,
      consumer:
        options.group === undefined
          ? { name: fanoutConsumer(subscriber), ackWaitMs, inactiveMs: fanoutInactiveMs }
          : { name: groupConsumer(options.group), ackWaitMs, inactiveMs: undefined },
      concurrency: wholeNumber(owner, "concurrency", options.concurrency, this.options.concurrency),
      maxDeliveries: wholeNumber(owner, "maxDeliveries", options.maxDeliveries, this.options.maxDeliveries),
    };
    let subscription: NatsSubscription;
    try {
      const { nc, js, jsm } = await this.#connected();
      const context: NatsSubscriptionContext = {
        js,
        jsm,
        options: this.options,
        payloads: this.#payloads,
        logger: this.#logger,
        ensureStream: (name) => this.#ensureStream(name),
        publishDeadLetter: async (name, data, headers, messageId) => {
          await this.#store(name, topicSubject(name), data, headers, messageId);
        },
        flush: () => nc.flush(),
        closed: (closed) => this.#subscriptions.delete(closed),
      };
      subscription = new NatsSubscription(context, spec);
      await subscription.start();
    } catch (error) {
      throw this.#unavailable(`topic "${topic.name}": cannot subscribe`, error);
    }
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** The topic that receives the dead letters of `topic`. */
  deadLetterTopic(topic: string | Topic): string {
    return (typeof topic === "string" ? topic : topic.name) + this.options.deadLetterSuffix;
  }

  /** The oldest `count` dead letters of `topic` still kept. */
  async deadLetters(topic: string | Topic, count = DEAD_LETTERS_DEFAULT_COUNT): Promise<DeadLetter[]> {
    this.#assertOpen();
    const { jsm } = await this.#connected();
    const stream = topicStream(this.deadLetterTopic(topic));
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (info === undefined) return [];
    const letters: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && letters.length < count; seq++) {
      // Null for a sequence discarded or deleted meanwhile.
      const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (stored !== null) letters.push(deadLetterOf(stored.data, stored.header));
    }
    return letters;
  }

  /**
   * Per consumer group subscribed here: the durable consumer's pending
   * messages (not yet delivered) plus its unacknowledged deliveries; per
   * subscribed topic: the messages in its dead-letter stream. Subscribers
   * without a group (ephemeral consumers) report no backlog.
   */
  async stats(): Promise<BrokerStats> {
    this.#assertOpen();
    const { jsm } = await this.#connected();
    const groups = new Map<string, Set<string>>();
    for (const { topic, group } of this.#subscriptions) {
      const set = groups.get(topic) ?? new Set<string>();
      if (group !== undefined) set.add(group);
      groups.set(topic, set);
    }
    const pending: { topic: string; group: string | undefined; count: number }[] = [];
    const deadLettered: { topic: string; count: number }[] = [];
    await Promise.all(
      [...groups].map(async ([topic, wanted]) => {
        const dead = await jsm.streams.info(topicStream(this.deadLetterTopic(topic))).catch(() => undefined);
        deadLettered.push({ topic, count: dead?.state.messages ?? 0 });
        for (const group of wanted) {
          const info = await jsm.consumers.info(topicStream(topic), groupConsumer(group)).catch(() => undefined);
          if (info !== undefined) pending.push({ topic, group, count: info.num_pending + info.num_ack_pending });
        }
      }),
    );
    return { pending, deadLettered };
  }

  /** Closes every subscription (each drains), then the connection. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
      const connected = await this.#connecting?.catch(() => undefined);
      if (connected === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CONNECTION_DRAIN_MS)));
      await Promise.race([connected.nc.drain().catch(() => undefined), timeout]);
      clearTimeout(timer);
      await connected.nc.close().catch(() => undefined);
    })();
    return this.#closing;
  }

  /** The connection, opened on first need; a failed attempt is forgotten, so that the next call tries again. */
  #connected(): Promise<Connected> {
    this.#connecting ??= (async () => {
      const nc = await connectNats(this.options.url, this.#connectionOptions, this.#logger, "kled-broker");
      return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc, { checkAPI: false }) };
    })();
    const connecting = this.#connecting;
    connecting.catch(() => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    });
    return connecting;
  }

  #unavailable(what: string, error: unknown): KledError {
    return new KledError(
      Code.Unavailable,
      `broker "nats": ${what} on ${redactNatsUrl(this.options.url)}: ${messageOf(error)}; is nats-server running with JetStream (-js)?`,
      {},
      { cause: error },
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`broker "nats": closed; create a new broker`);
  }
}

/** A subscriber name unique across processes and restarts: `hostname-pid-random`. */
function subscriberName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
