import { RedisBroker } from "@kled/runtime/redis";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { requireRedis } from "../support/services.js";
import { brokerContract } from "./contract/broker-contract.js";
import { inspector } from "./support/topics.js";

const redis = await requireRedis();

brokerContract({
  name: "redis",
  skip: redis.skip,
  shared: true,
  // A failed or abandoned message is taken over within half a second.
  open: (settings = {}) =>
    new RedisBroker({ url: redis.url, logger: silentLogger, drainTimeoutMs: 5_000, claimIdleMs: 300, claimIntervalMs: 50, ...settings }),
  deadLetters: (broker, topic) => (broker as RedisBroker).deadLetters(topic),
  cleanup: async (topic) => {
    const look = inspector(redis.url);
    look.forget(topic.name, `${topic.name}:dlq`);
    await look.cleanup();
  },
});
