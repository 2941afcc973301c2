import { afterEach, describe, expect, it } from "vitest";
import {
  brokerFromEnv,
  brokerSpecFromEnv,
  createBroker,
  LazyBroker,
  MemoryBroker,
  resolveBrokerSpec,
  type Broker,
} from "../../runtime/src/broker/index.js";
import { RedisBroker } from "@kled/runtime/redis";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { requireRedis } from "../support/services.js";
import { inspector, uniqueTopic } from "./support/topics.js";

const redis = await requireRedis();

const brokers: Broker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.close()));
});

/** Brokers are opened quietly (a RedisBroker connects at once) and closed after the test. */
function opened<B extends Broker>(broker: B): B {
  brokers.push(broker);
  return broker;
}

describe("resolveBrokerSpec / brokerSpecFromEnv", () => {
  it("reads memory, redis (at KLED_REDIS_URL, else the local default) and Redis URLs", () => {
    expect(resolveBrokerSpec("memory")).toEqual({ kind: "memory" });
    expect(resolveBrokerSpec("redis", {})).toEqual({ kind: "redis", url: "redis://127.0.0.1:6379" });
    expect(resolveBrokerSpec("redis", { KLED_REDIS_URL: " redis://cache:6380/2 " })).toEqual({ kind: "redis", url: "redis://cache:6380/2" });
    expect(resolveBrokerSpec("redis://10.0.0.5:6379/3")).toEqual({ kind: "redis", url: "redis://10.0.0.5:6379/3" });
    expect(resolveBrokerSpec("rediss://user:pw@cache.example:6380")).toEqual({ kind: "redis", url: "rediss://user:pw@cache.example:6380" });
  });

  it("takes KLED_BROKER, memory when it is unset or blank", () => {
    expect(brokerSpecFromEnv({})).toEqual({ kind: "memory" });
    expect(brokerSpecFromEnv({ KLED_BROKER: "  " })).toEqual({ kind: "memory" });
    expect(brokerSpecFromEnv({ KLED_BROKER: "redis", KLED_REDIS_URL: "redis://h:1" })).toEqual({ kind: "redis", url: "redis://h:1" });
    expect(brokerSpecFromEnv({ KLED_BROKER: "redis://h:2/1" })).toEqual({ kind: "redis", url: "redis://h:2/1" });
  });

  it("names the bad value, and where it came from, without the password", () => {
    const known =
      'use "memory", "redis" (the Redis at $KLED_REDIS_URL), a URL redis://host:port[/db], "nats" (the NATS at $KLED_NATS_URL) or a URL nats://host:port';
    const url = "use redis://host:port[/db], e.g. redis://127.0.0.1:6379/0";
    expect(() => resolveBrokerSpec("kafka")).toThrow(`broker "kafka": unknown broker; ${known}`);
    expect(() => resolveBrokerSpec("Redis")).toThrow(`broker "Redis": unknown broker; ${known}`);
    expect(() => brokerSpecFromEnv({ KLED_BROKER: "kafka" })).toThrow(`KLED_BROKER="kafka": unknown broker; ${known}`);
    expect(() => resolveBrokerSpec("redis://:hunter2@cache:port")).toThrow(`broker "redis://:***@cache:port": not a Redis URL; ${url}`);
    expect(() => resolveBrokerSpec("redis://cache:6379/zero")).toThrow(`broker "redis://cache:6379/zero": not a Redis URL; ${url}`);
    expect(() => brokerSpecFromEnv({ KLED_BROKER: "redis", KLED_REDIS_URL: "redis://" })).toThrow(`KLED_REDIS_URL="redis://": not a Redis URL; ${url}`);
    expect(() => brokerSpecFromEnv({ KLED_BROKER: "redis://a b" })).toThrow(`KLED_BROKER="redis://a b": not a Redis URL; ${url}`);
  });
});

describe("createBroker / brokerFromEnv", () => {
  it("opens a MemoryBroker by default and a RedisBroker (imported on first use) on the URL the spec gives, with the options for its kind", async () => {
    expect(opened(brokerFromEnv({ env: {}, logger: silentLogger }))).toBeInstanceOf(MemoryBroker);
    expect(opened(createBroker("memory", { logger: silentLogger, memory: { maxDeliveries: 2 } }))).toBeInstanceOf(MemoryBroker);

    const fromEnv = opened(brokerFromEnv({ env: { KLED_BROKER: "redis", KLED_REDIS_URL: "redis://127.0.0.1:1/4" }, logger: silentLogger }));
    expect(fromEnv).toBeInstanceOf(LazyBroker);
    const fromEnvRedis = await (fromEnv as LazyBroker).resolve();
    expect(fromEnvRedis).toBeInstanceOf(RedisBroker);
    expect((fromEnvRedis as RedisBroker).options.url).toBe("redis://127.0.0.1:1/4");
    const explicit = opened(createBroker("redis://127.0.0.1:1/5", { logger: silentLogger, redis: { maxLen: 10, blockMs: 100 } }));
    const explicitRedis = await (explicit as LazyBroker).resolve();
    expect((explicitRedis as RedisBroker).options).toMatchObject({ url: "redis://127.0.0.1:1/5", maxLen: 10, blockMs: 100 });
  });

  it.skipIf(redis.skip !== undefined)("KLED_BROKER=redis carries messages between brokers, as between processes", async () => {
    const env = { KLED_BROKER: "redis", KLED_REDIS_URL: redis.url };
    const topic = uniqueTopic("create-broker");
    const look = inspector(redis.url);
    look.forget(topic.name);
    try {
      const received: string[] = [];
      const subscriber = opened(brokerFromEnv({ env, logger: silentLogger }));
      await subscriber.subscribe(topic, (event) => void received.push(event.taskId));
      await opened(brokerFromEnv({ env, logger: silentLogger })).publish(topic, { taskId: "across" });
      await expect.poll(() => received, { timeout: 5_000 }).toEqual(["across"]);
    } finally {
      await Promise.all(brokers.splice(0).map((broker) => broker.close()));
      await look.cleanup();
    }
  });
});
