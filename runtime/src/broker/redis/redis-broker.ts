import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { Redis, RedisOptions } from "ioredis";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import { consoleLogger } from "../../logging/console-logger.js";
import type { Logger } from "../../logging/logger.js";
import type { Broker, MessageHandler, PublishOptions, SubscribeOptions, Subscription } from "../broker.js";
import type { BrokerStats, BrokerStatsSource } from "../broker-stats.js";
import type { DeadLetter } from "../dead-letter.js";
import { PayloadCodec } from "../envelope.js";
import { wholeNumber } from "../option-value.js";
import type { Topic } from "../topic.js";
import { closeConnection, connectReader, openSharedConnection } from "./connection.js";
import { FanoutSubscription } from "./fanout-subscription.js";
import { GroupSubscription } from "./group-subscription.js";
import {
  consumerName,
  redactUrl,
  resolveRedisBrokerOptions,
  type RedisBrokerSettings,
  type ResolvedRedisBrokerOptions,
} from "./options.js";
import { deadLetterOf, entriesOf, xaddArgs } from "./stream-entry.js";
import type { StreamSubscription, SubscriptionContext } from "./stream-subscription.js";
import { XaddBatcher } from "./xadd-batcher.js";

/** Options of {@link RedisBroker}; every one has a default that works with a local Redis. */
export interface RedisBrokerOptions extends RedisBrokerSettings {
  /** More ioredis options (TLS files, timeouts…), applied over the URL's. */
  redis?: RedisOptions;
}

/** How many dead letters {@link RedisBroker.deadLetters} returns unless told otherwise. */
const DEAD_LETTERS_DEFAULT_COUNT = 100;

/**
 * A broker on Redis Streams: one stream per topic (the topic name is the
 * key), consumer groups for work queues, plain reads for subscribers without
 * a group; see {@link GroupSubscription} and {@link FanoutSubscription}.
 *
 * Each message is one entry with the fields `payload` (bytes),
 * `content-type`, `headers` (a JSON object) and `published-at` (epoch
 * milliseconds). Publishing trims the stream to about `maxLen` entries.
 * Dead letters go to the stream `<topic>:dlq`, with the message's fields
 * plus `error`, `deliveries`, `group`, `consumer`, `original-id`, `topic`
 * and `dead-at`.
 *
 * Connections: one shared connection, on which concurrent publishes travel
 * as one pipeline per turn of the event loop (so throughput does not depend
 * on the caller batching) and acknowledgements as one XACK per turn; and one
 * per subscription for its blocking reads. Both reconnect (with backoff) for
 * as long as the broker is open; subscriptions resume by themselves.
 */
/** An `XINFO` reply's flat `[field, value, …]` list as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const list = Array.isArray(reply) ? reply : [];
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(String(list[i]), list[i + 1]);
  return fields;
}

export class RedisBroker implements Broker, BrokerStatsSource {
  readonly name = "redis";
  readonly options: ResolvedRedisBrokerOptions;
  readonly #payloads: PayloadCodec;
  readonly #logger: Logger;
  readonly #command: Redis;
  readonly #publishes: XaddBatcher;
  readonly #connectReader: (name: string) => Promise<{ redis: Redis; id: string }>;
  readonly #subscriptions = new Set<StreamSubscription>();
  /** XADD arguments before the fields: the trimming clause and the id. */
  readonly #addPrefix: readonly (string | number)[];
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: RedisBrokerOptions = {}) {
    this.options = resolveRedisBrokerOptions(options);
    this.#payloads = new PayloadCodec(options.codecs, options.codec);
    this.#logger = (options.logger ?? consoleLogger()).child({ broker: this.name });
    const { url } = this.options;
    const redisOptions = options.redis ?? {};
    this.#command = openSharedConnection(url, redisOptions, this.#logger, "kled-broker");
    this.#publishes = new XaddBatcher(this.#command, this.#publishFailed);
    this.#connectReader = (name) => connectReader(url, redisOptions, name);
    const { maxLen } = this.options;
    this.#addPrefix = maxLen === Number.POSITIVE_INFINITY ? ["*"] : ["MAXLEN", "~", maxLen, "*"];
  }

  /**
   * Resolves with the stream entry id once Redis stored the message. Not an
   * async function: one promise per message is enough on this path.
   */
  publish<Desc extends DescMessage>(
    topic: Topic<Desc>,
    message: MessageInitShape<Desc>,
    options?: PublishOptions,
  ): Promise<string> {
    try {
      this.#assertOpen();
      const envelope = this.#payloads.encode(topic, message, options);
      return this.#publishes.add(xaddArgs(topic.name, this.#addPrefix, envelope));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readonly #publishFailed = (topic: string, error: unknown): KledError =>
    new KledError(
      Code.Unavailable,
      `broker "redis": cannot publish to "${topic}" on ${redactUrl(this.options.url)}: ${messageOf(error)}; is Redis running?`,
      {},
      { cause: error },
    );

  async subscribe<Desc extends DescMessage>(
    topic: Topic<Desc>,
    handler: MessageHandler<Desc>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.#assertOpen();
    const owner = `broker "redis" topic "${topic.name}"`;
    if (options.group === "") throw new Error(`${owner}: the group name is empty; leave it out for a subscriber without a group`);
    const spec = {
      topic: topic as Topic,
      handler: handler as MessageHandler<DescMessage>,
      consumer: consumerName(),
      concurrency: wholeNumber(owner, "concurrency", options.concurrency, this.options.concurrency),
      maxDeliveries: wholeNumber(owner, "maxDeliveries", options.maxDeliveries, this.options.maxDeliveries),
    };
    const context: SubscriptionContext = {
      command: this.#command,
      connectReader: this.#connectReader,
      options: this.options,
      payloads: this.#payloads,
      logger: this.#logger,
      closed: (subscription) => this.#subscriptions.delete(subscription),
    };
    const subscription =
      options.group === undefined
        ? new FanoutSubscription(context, { ...spec, group: undefined })
        : new GroupSubscription(context, { ...spec, group: options.group });
    try {
      await subscription.start();
    } catch (error) {
      throw new KledError(
        Code.Unavailable,
        `${owner}: cannot subscribe on ${redactUrl(this.options.url)}: ${messageOf(error)}; is Redis running?`,
        {},
        { cause: error },
      );
    }
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** The stream that receives the dead letters of `topic`. */
  deadLetterTopic(topic: string | Topic): string {
    return (typeof topic === "string" ? topic : topic.name) + this.options.deadLetterSuffix;
  }

  /** The oldest `count` dead letters of `topic`. */
  async deadLetters(topic: string | Topic, count = DEAD_LETTERS_DEFAULT_COUNT): Promise<DeadLetter[]> {
    this.#assertOpen();
    const entries = entriesOf(await this.#command.xrangeBuffer(this.deadLetterTopic(topic), "-", "+", "COUNT", count));
    return entries.map(deadLetterOf);
  }

  /**
   * Per consumer group subscribed here: its lag (entries not yet delivered)
   * plus its pending entries (delivered, not acknowledged), from `XINFO
   * GROUPS`; per subscribed topic: the length of its dead-letter stream.
   * Subscribers without a group read from the end and report no backlog.
   */
  async stats(): Promise<BrokerStats> {
    this.#assertOpen();
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
        const [infos, dead] = await Promise.all([
          wanted.size === 0 ? [] : (this.#command.xinfo("GROUPS", topic).catch(() => []) as Promise<unknown[]>),
          this.#command.xlen(this.deadLetterTopic(topic)),
        ]);
        deadLettered.push({ topic, count: dead });
        for (const info of infos) {
          const fields = fieldsOf(info);
          const group = String(fields.get("name"));
          // lag is nil when Redis cannot tell (entries deleted below the group's position): count what is pending.
          if (wanted.has(group)) pending.push({ topic, group, count: Number(fields.get("pending") ?? 0) + Number(fields.get("lag") ?? 0) });
        }
      }),
    );
    return { pending, deadLettered };
  }

  /** Closes every subscription (each drains), then the shared connection. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
      await closeConnection(this.#command);
    })();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`broker "redis": closed; create a new broker`);
  }
}
