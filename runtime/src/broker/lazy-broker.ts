import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { Broker, MessageHandler, PublishOptions, SubscribeOptions, Subscription } from "./broker.js";
import { hasBrokerStats, NO_BROKER_STATS, type BrokerStats } from "./broker-stats.js";
import type { Topic } from "./topic.js";

/**
 * A broker whose implementation is imported on first need: how the core
 * hands out an integration named by `KLED_BROKER` (redis://…) without
 * importing it, or its library, in processes that never use it. A failed
 * load (the library not installed) rejects every call with its error.
 */
export class LazyBroker implements Broker {
  readonly #loaded: Promise<Broker>;

  constructor(
    readonly name: string,
    load: () => Promise<Broker>,
  ) {
    this.#loaded = load();
    // Reported by the first call that needs it, not as an unhandled rejection.
    this.#loaded.catch(() => {});
  }

  /** The broker once imported and created. */
  resolve(): Promise<Broker> {
    return this.#loaded;
  }

  async publish<Desc extends DescMessage>(topic: Topic<Desc>, message: MessageInitShape<Desc>, options?: PublishOptions): Promise<string> {
    return (await this.#loaded).publish(topic, message, options);
  }

  async subscribe<Desc extends DescMessage>(
    topic: Topic<Desc>,
    handler: MessageHandler<Desc>,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    return (await this.#loaded).subscribe(topic, handler, options);
  }

  /** The loaded broker's stats; none while it loads or when it reports none. */
  async stats(): Promise<BrokerStats> {
    const broker = await this.#loaded.catch(() => undefined);
    return broker !== undefined && hasBrokerStats(broker) ? broker.stats() : NO_BROKER_STATS;
  }

  async close(): Promise<void> {
    const broker = await this.#loaded.catch(() => undefined);
    await broker?.close();
  }
}
