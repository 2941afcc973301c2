export { defineTopic, type Topic } from "./topic.js";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_DELIVERIES,
  type Broker,
  type Delivery,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from "./broker.js";
export type { DeadLetter } from "./dead-letter.js";
export { hasBrokerStats, NO_BROKER_STATS, type BrokerStats, type BrokerStatsSource } from "./broker-stats.js";
export { brokerContentType } from "./envelope.js";
export { MemoryBroker, type MemoryBrokerOptions } from "./memory/memory-broker.js";
export { DEFAULT_REDIS_URL, redactUrl, REDIS_URL_ENV, type RedisBrokerSettings } from "./redis/options.js";
export { DEFAULT_NATS_URL, NATS_URL_ENV, type NatsBrokerSettings } from "./nats/options.js";
export { LazyBroker } from "./lazy-broker.js";
export {
  BROKER_ENV,
  brokerFromEnv,
  brokerSpecFromEnv,
  createBroker,
  DEFAULT_BROKER,
  resolveBrokerSpec,
  type BrokerSpec,
  type CreateBrokerOptions,
} from "./create-broker.js";
