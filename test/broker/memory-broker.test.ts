import { create, fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { TaskEventSchema } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { MemoryBroker, type Delivery, type MemoryBrokerOptions } from "../../runtime/src/broker/index.js";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { captureLogger } from "../runtime/support/capture-logger.js";
import { sleep, waitUntil } from "../registry/wait.js";
import { uniqueTopic } from "./support/topics.js";

const brokers: MemoryBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.close()));
});

function memoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  const broker = new MemoryBroker({ logger: silentLogger, ...options });
  brokers.push(broker);
  return broker;
}

describe("MemoryBroker", () => {
  it("keeps at most deadLetterMaxLen dead letters per topic, the newest, and warns when it drops one", async () => {
    const logger = captureLogger();
    const broker = memoryBroker({ logger, maxDeliveries: 1, deadLetterMaxLen: 10 });
    const poisoned = uniqueTopic("memory-dlq-bound");
    const other = uniqueTopic("memory-dlq-other");
    const fail = () => {
      throw new Error("poison");
    };
    await broker.subscribe(poisoned, fail);
    await broker.subscribe(other, fail);
    await broker.publish(other, { sequence: 0n });
    for (let sequence = 1n; sequence <= 25n; sequence++) await broker.publish(poisoned, { sequence });
    const dropped = () => logger.records.filter((r) => r.message === "the dead letters of the topic are full: the oldest was dropped");
    await waitUntil("all dead-lettered", () => dropped().length === 15, 2000);
    const letters = broker.deadLetters(poisoned);
    expect(letters.map((letter) => fromBinary(TaskEventSchema, letter.payload!).sequence)).toEqual(
      Array.from({ length: 10 }, (_, i) => BigInt(i + 16)),
    );
    expect(broker.deadLetters(other)).toHaveLength(1); // another topic's are its own
    expect(dropped()[0]!.fields).toMatchObject({ topic: poisoned.name, dropped: 1, deadLetterMaxLen: 10 });
  });

  it("shares messages among the members of a group and gives every message to each subscriber without one", async () => {
    const broker = memoryBroker();
    const topic = uniqueTopic("memory-share");
    const seen = { a: [] as bigint[], b: [] as bigint[], all1: [] as bigint[], all2: [] as bigint[] };
    await broker.subscribe(topic, (event) => void seen.a.push(event.sequence), { group: "workers" });
    await broker.subscribe(topic, (event) => void seen.b.push(event.sequence), { group: "workers" });
    await broker.subscribe(topic, (event) => void seen.all1.push(event.sequence));
    await broker.subscribe(topic, (event) => void seen.all2.push(event.sequence));
    for (let sequence = 1n; sequence <= 20n; sequence++) await broker.publish(topic, { taskId: "t", sequence });
    const expected = Array.from({ length: 20 }, (_, i) => BigInt(i + 1));
    await waitUntil("all delivered", () => seen.all2.length === 20 && seen.a.length + seen.b.length === 20, 2000);
    expect([...seen.a, ...seen.b].sort((x, y) => Number(x - y))).toEqual(expected);
    expect(seen.a.length).toBeGreaterThan(0);
    expect(seen.b.length).toBeGreaterThan(0);
    expect(seen.all1).toEqual(expected);
    expect(seen.all2).toEqual(expected);
  });

  it("delivers only what is published after subscribing, never inside publish()", async () => {
    const broker = memoryBroker();
    const topic = uniqueTopic("memory-after");
    await broker.publish(topic, { sequence: 1n });
    const seen: bigint[] = [];
    await broker.subscribe(topic, (event) => void seen.push(event.sequence));
    await broker.publish(topic, { sequence: 2n });
    expect(seen).toEqual([]);
    await waitUntil("delivered", () => seen.length === 1, 1000);
    expect(seen).toEqual([2n]);
  });

  it("redelivers a failing message up to the limit, then keeps it as a dead letter with the error", async () => {
    const broker = memoryBroker({ maxDeliveries: 3 });
    const topic = uniqueTopic("memory-dlq");
    const deliveries: Delivery[] = [];
    await broker.subscribe(
      topic,
      (_event, delivery) => {
        deliveries.push(delivery);
        throw new Error(`boom ${delivery.deliveryCount}`);
      },
      { group: "workers" },
    );
    const id = await broker.publish(topic, { taskId: "doomed", sequence: 7n }, { headers: { trace: "abc" } });
    await waitUntil("dead-lettered", () => broker.deadLetters(topic).length === 1, 2000);
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(deliveries.every((d) => d.id === id)).toBe(true);
    const [letter] = broker.deadLetters(topic);
    expect(letter).toMatchObject({ topic: topic.name, id, error: "boom 3", deliveryCount: 3, group: "workers", headers: { trace: "abc" } });
    expect(fromBinary(TaskEventSchema, letter!.payload!)).toMatchObject({ taskId: "doomed", sequence: 7n });
    await sleep(50);
    expect(deliveries).toHaveLength(3);
  });

  it("succeeds on a redelivery without a dead letter", async () => {
    const broker = memoryBroker();
    const topic = uniqueTopic("memory-retry");
    const counts: number[] = [];
    await broker.subscribe(topic, (_event, delivery) => {
      counts.push(delivery.deliveryCount);
      if (delivery.deliveryCount < 2) throw new Error("not yet");
    });
    await broker.publish(topic, {});
    await waitUntil("handled", () => counts.length === 2, 1000);
    await sleep(20);
    expect(counts).toEqual([1, 2]);
    expect(broker.deadLetters()).toEqual([]);
  });

  it("decodes what the publisher encoded: JSON by option, protobuf binary by default", async () => {
    const broker = memoryBroker();
    const topic = uniqueTopic("memory-codec");
    const received: { sequence: bigint; contentType: string }[] = [];
    await broker.subscribe(topic, (event, delivery) => void received.push({ sequence: event.sequence, contentType: delivery.contentType }));
    await broker.publish(topic, { sequence: 1n }, { codec: "json" });
    await broker.publish(topic, create(TaskEventSchema, { sequence: 2n }));
    await waitUntil("both", () => received.length === 2, 1000);
    expect(received).toEqual([
      { sequence: 1n, contentType: "application/json" },
      { sequence: 2n, contentType: "application/x-protobuf" },
    ]);
  });

  it("runs up to `concurrency` handlers at once, and close() waits for them", async () => {
    const broker = memoryBroker();
    const topic = uniqueTopic("memory-close");
    let running = 0;
    let most = 0;
    let finished = 0;
    const subscription = await broker.subscribe(
      topic,
      async () => {
        running++;
        most = Math.max(most, running);
        await sleep(100);
        running--;
        finished++;
      },
      { group: "workers", concurrency: 3 },
    );
    for (let i = 0; i < 5; i++) await broker.publish(topic, {});
    await waitUntil("three running", () => running === 3, 1000);
    await subscription.close();
    expect(finished).toBe(3);
    expect(most).toBe(3);
    // The other two wait in the group for its next member.
    const rest: number[] = [];
    await broker.subscribe(topic, () => void rest.push(1), { group: "workers" });
    await waitUntil("the rest", () => rest.length === 2, 1000);
  });

  it("rejects publishing on a closed broker and an unknown codec", async () => {
    const broker = memoryBroker();
    const topic = uniqueTopic("memory-errors");
    await expect(broker.publish(topic, {}, { codec: "yaml" })).rejects.toThrow(/codec "yaml" is unknown/);
    await broker.close();
    await expect(broker.publish(topic, {})).rejects.toThrow(/closed/);
  });
});
