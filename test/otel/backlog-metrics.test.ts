/**
 * The backlog gauges: `kled.messaging.pending` and
 * `kled.messaging.dead_letters` from what the memory, Redis and NATS
 * brokers report through their stats hook, and `kled.outbox.backlog` from
 * the relay; read at each collection, as a scrape reads them.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryBroker, silentLogger, type Broker, type Topic } from "@kled/runtime";
import { Outbox, OutboxMessageSchema, OutboxRelay, withTransaction } from "@kled/runtime/mikro-orm";
import { NatsBroker } from "@kled/runtime/nats";
import { instrumentBroker, observeOutboxBacklog } from "@kled/runtime/otel";
import { RedisBroker } from "@kled/runtime/redis";
import { outboxTopic } from "../data/support/outbox-topics.js";
import { inspector, uniqueTopic } from "../broker/support/topics.js";
import { requireNats, requireRedis } from "../support/services.js";
import { openTestDatabase } from "../support/test-database.js";
import { collectingMeter } from "./support/metrics.js";
import { until } from "./support/spans.js";

const redis = await requireRedis();
const nats = await requireNats();

/**
 * Subscribes group "audit" to a handler that holds every message until
 * released and fails those marked "poison" (one delivery each), publishes
 * three held messages and one poison one, and checks the gauges: three
 * pending in the group, one dead letter on the topic.
 */
async function checkBroker(inner: Broker, topic: Topic<ReturnType<typeof uniqueTopic>["schema"]>, system: string): Promise<void> {
  const { meterProvider, gauge } = collectingMeter();
  const broker = instrumentBroker(inner, { meterProvider });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  try {
    await broker.subscribe(
      topic,
      async (message) => {
        if (message.taskId === "poison") throw new Error("poison");
        started++;
        await held;
      },
      { group: "audit", maxDeliveries: 1 },
    );
    await broker.publish(topic, { taskId: "poison" });
    // The poison message is dead-lettered before the held ones arrive, so that they are all that is pending.
    let deadCount: number | undefined;
    const deadline = Date.now() + 10_000;
    while (deadCount !== 1 && Date.now() < deadline) {
      deadCount = (await gauge("kled.messaging.dead_letters")).find((p) => p.attributes["messaging.destination.name"] === topic.name)?.value;
      if (deadCount !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(deadCount).toBe(1);
    for (const taskId of ["a", "b", "c"]) await broker.publish(topic, { taskId });
    await until(() => started >= 1, "the first held message");
    const pending = await gauge("kled.messaging.pending");
    expect(pending).toContainEqual({
      value: 3,
      attributes: { "messaging.system": system, "messaging.destination.name": topic.name, "messaging.consumer.group.name": "audit" },
    });
    expect(await gauge("kled.messaging.dead_letters")).toContainEqual({
      value: 1,
      attributes: { "messaging.system": system, "messaging.destination.name": topic.name },
    });
  } finally {
    release();
    await broker.close();
  }
  await meterProvider.shutdown();
}

describe("kled.messaging.pending and kled.messaging.dead_letters", () => {
  it("memory broker", async () => {
    await checkBroker(new MemoryBroker({ logger: silentLogger }), uniqueTopic("otel-stats"), "memory");
  });

  const look = redis.skip === undefined ? inspector(redis.url) : undefined;
  afterAll(() => look?.cleanup());
  it.skipIf(redis.skip !== undefined)("Redis Streams", async () => {
    const topic = uniqueTopic("otel-stats");
    look?.forget(topic.name, `${topic.name}:dlq`);
    await checkBroker(new RedisBroker({ url: redis.url, logger: silentLogger, drainTimeoutMs: 1_000 }), topic, "redis");
  });

  it.skipIf(nats.skip !== undefined)("NATS JetStream", async () => {
    await checkBroker(new NatsBroker({ url: nats.url, logger: silentLogger, drainTimeoutMs: 1_000 }), uniqueTopic("otel-stats"), "nats");
  });
});

describe("kled.outbox.backlog", () => {
  it("counts the rows the relay has yet to publish, per topic", async () => {
    const db = await openTestDatabase([OutboxMessageSchema]);
    const topic = outboxTopic(randomBytes(4).toString("hex"));
    const { meterProvider, gauge } = collectingMeter();
    const relay = new OutboxRelay({ database: db.database, broker: new MemoryBroker({ logger: silentLogger }), topics: [topic] });
    const stop = observeOutboxBacklog(relay, { meterProvider });
    try {
      const backlog = async () => (await gauge("kled.outbox.backlog")).filter((p) => p.attributes["messaging.destination.name"] === topic.name);
      expect(await backlog()).toEqual([{ value: 0, attributes: { "messaging.destination.name": topic.name } }]);
      await withTransaction(db.database, async ({ em }) => {
        await new Outbox().publish(em, topic, { text: "one" });
        await new Outbox().publish(em, topic, { text: "two" });
      });
      expect((await backlog())[0]?.value).toBe(2);
      await relay.relayOnce();
      expect((await backlog())[0]?.value).toBe(0);
    } finally {
      stop();
      await meterProvider.shutdown();
      await db.cleanup();
    }
  });
});
