import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { TaskEventSchema } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import type { Delivery } from "@kled/runtime";
import { RedisBroker, type RedisBrokerOptions } from "@kled/runtime/redis";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { captureLogger } from "../runtime/support/capture-logger.js";
import { sleep, waitUntil } from "../registry/wait.js";
import { requireRedis } from "../support/services.js";
import { inspector, pendingCount, uniqueTopic } from "./support/topics.js";

const redis = await requireRedis();

const brokers: RedisBroker[] = [];
const inspectors: ReturnType<typeof inspector>[] = [];
afterEach(async () => {
  // Brokers first: a subscriber still running would re-create a deleted stream with its group.
  await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  await Promise.all(inspectors.splice(0).map((look) => look.cleanup()));
});

function redisBroker(options: RedisBrokerOptions = {}): RedisBroker {
  const broker = new RedisBroker({ url: redis.url, logger: silentLogger, drainTimeoutMs: 5_000, ...options });
  brokers.push(broker);
  return broker;
}

/** A unique topic whose stream and dead-letter stream are deleted after the test. */
function topicFor(label: string) {
  const topic = uniqueTopic(label);
  const look = inspector(redis.url);
  look.forget(topic.name, `${topic.name}:dlq`);
  inspectors.push(look);
  return { topic, look };
}

describe.skipIf(redis.skip !== undefined)("RedisBroker", () => {
  it("writes one stream entry per message with payload, content type, headers and time, and trims approximately", async () => {
    const broker = redisBroker({ maxLen: 1000 });
    const { topic, look } = topicFor("format");
    const before = Date.now();
    const id = await broker.publish(topic, { taskId: "t", sequence: 5n }, { headers: { trace: "abc" } });
    expect(id).toMatch(/^\d+-\d+$/);
    const [[entryId, fields]] = (await look.xrangeBuffer(topic.name, "-", "+")) as [[Buffer, Buffer[]]];
    expect(entryId.toString()).toBe(id);
    const map = new Map<string, Buffer>();
    for (let i = 0; i < fields.length; i += 2) map.set(fields[i]!.toString(), fields[i + 1]!);
    expect([...map.keys()]).toEqual(["payload", "content-type", "headers", "published-at"]);
    expect(fromBinary(TaskEventSchema, map.get("payload")!)).toMatchObject({ taskId: "t", sequence: 5n });
    expect(map.get("content-type")!.toString()).toBe("application/x-protobuf");
    expect(JSON.parse(map.get("headers")!.toString())).toEqual({ trace: "abc" });
    expect(Number(map.get("published-at")!.toString())).toBeGreaterThanOrEqual(before);

    await Promise.all(Array.from({ length: 3000 }, (_, i) => broker.publish(topic, { sequence: BigInt(i) })));
    const length = await look.xlen(topic.name);
    expect(length).toBeGreaterThanOrEqual(1000);
    expect(length).toBeLessThan(3001);
  });

  it("gives each group member a share and each subscriber without a group everything; subscribers decode JSON and protobuf", async () => {
    const broker = redisBroker();
    const { topic } = topicFor("share");
    const group1: bigint[] = [];
    const group2: bigint[] = [];
    const all: { sequence: bigint; contentType: string; headers: Record<string, string> }[] = [];
    await broker.subscribe(topic, async (event) => void group1.push(event.sequence), { group: "workers" });
    // A second broker: its own connections, as another process would have.
    await redisBroker().subscribe(topic, async (event) => void group2.push(event.sequence), { group: "workers" });
    await broker.subscribe(topic, (event, delivery) =>
      void all.push({ sequence: event.sequence, contentType: delivery.contentType, headers: { ...delivery.headers } }),
    );
    const publisher = redisBroker({ codec: "json" });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        publisher.publish(topic, { sequence: BigInt(i) }, i % 2 === 0 ? { codec: "proto" } : { headers: { n: String(i) } }),
      ),
    );
    await waitUntil("all handled", () => group1.length + group2.length === 200 && all.length === 200, 5000);
    const expected = Array.from({ length: 200 }, (_, i) => BigInt(i));
    expect([...group1, ...group2].sort((a, b) => Number(a - b))).toEqual(expected);
    expect(group1.length).toBeGreaterThan(0);
    expect(group2.length).toBeGreaterThan(0);
    expect(all.map((item) => item.sequence)).toEqual(expected);
    expect(all[0]).toEqual({ sequence: 0n, contentType: "application/x-protobuf", headers: {} });
    expect(all[1]).toEqual({ sequence: 1n, contentType: "application/json", headers: { n: "1" } });
  });

  it("delivers to a new group only what is published after it subscribed", async () => {
    const broker = redisBroker();
    const { topic } = topicFor("start");
    await broker.publish(topic, { sequence: 1n });
    const seen: bigint[] = [];
    const fanout: bigint[] = [];
    await broker.subscribe(topic, (event) => void seen.push(event.sequence), { group: "late" });
    await broker.subscribe(topic, (event) => void fanout.push(event.sequence));
    await broker.publish(topic, { sequence: 2n });
    await waitUntil("delivered", () => seen.length === 1 && fanout.length === 1, 3000);
    await sleep(100);
    expect(seen).toEqual([2n]);
    expect(fanout).toEqual([2n]);
  });

  it("redelivers a failed message after claimIdleMs, then dead-letters it after maxDeliveries with the error, acknowledged", async () => {
    const broker = redisBroker({ claimIdleMs: 200, claimIntervalMs: 50, maxDeliveries: 3 });
    const { topic, look } = topicFor("dlq");
    const deliveries: Delivery[] = [];
    await broker.subscribe(
      topic,
      (_event, delivery) => {
        deliveries.push(delivery);
        throw new Error(`handler broke on delivery ${delivery.deliveryCount}`);
      },
      { group: "workers" },
    );
    const id = await broker.publish(topic, { taskId: "doomed", sequence: 9n }, { headers: { trace: "t-1" } });
    await waitUntil("dead letter", async () => (await look.xlen(`${topic.name}:dlq`)) === 1, 10_000);
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(deliveries.every((d) => d.id === id && d.group === "workers")).toBe(true);
    const [letter] = await broker.deadLetters(topic);
    expect(letter).toMatchObject({
      topic: topic.name,
      id,
      error: "handler broke on delivery 3",
      deliveryCount: 3,
      group: "workers",
      contentType: "application/x-protobuf",
      headers: { trace: "t-1" },
    });
    expect(letter?.consumer).toMatch(/-\d+-[0-9a-f]{6}$/);
    expect(fromBinary(TaskEventSchema, letter!.payload!)).toMatchObject({ taskId: "doomed", sequence: 9n });
    expect(await pendingCount(look, topic.name, "workers")).toBe(0);
    await sleep(500);
    expect(deliveries).toHaveLength(3);
  });

  it("dead-letters undecodable entries at once, and keeps handling the good ones", async () => {
    const broker = redisBroker({ claimIdleMs: 200, claimIntervalMs: 50 });
    const { topic, look } = topicFor("malformed");
    const group: bigint[] = [];
    const fanout: bigint[] = [];
    await broker.subscribe(topic, (event) => void group.push(event.sequence), { group: "workers" });
    await broker.subscribe(topic, (event) => void fanout.push(event.sequence));
    const bad = [
      await look.xadd(topic.name, "*", "payload", Buffer.from([0xff, 0xff, 0xff]), "content-type", "application/x-protobuf", "headers", "{}", "published-at", "1"),
      await look.xadd(topic.name, "*", "payload", "{}", "content-type", "text/yaml"),
      await look.xadd(topic.name, "*", "content-type", "application/json"),
      await look.xadd(topic.name, "*", "payload", "{}", "content-type", "application/json", "headers", "[not json"),
    ];
    await broker.publish(topic, { sequence: 1n });
    await waitUntil("good one handled", () => group.length === 1 && fanout.length === 1, 5000);
    await waitUntil("dead letters", async () => (await look.xlen(`${topic.name}:dlq`)) === 8, 5000);
    const letters = await broker.deadLetters(topic);
    const byGroup = letters.filter((letter) => letter.group === "workers");
    expect(byGroup.map((letter) => letter.id)).toEqual(bad);
    expect(letters.filter((letter) => letter.group === undefined).map((letter) => letter.id)).toEqual(bad);
    expect(byGroup.map((letter) => letter.error)).toEqual([
      expect.stringMatching(/^cannot decode: .*kled\.agent\.v1\.TaskEvent from protobuf binary \(3 bytes\)/),
      expect.stringMatching(/^cannot decode: .*content type "text\/yaml" is unknown/),
      'cannot decode: the entry has no "payload" field',
      'cannot decode: field "headers" is not JSON',
    ]);
    expect(byGroup[0]).toMatchObject({ deliveryCount: 1, payload: Buffer.from([0xff, 0xff, 0xff]) });
    expect(group).toEqual([1n]);
    expect(await pendingCount(look, topic.name, "workers")).toBe(0);
  });

  it("retries a failing handler of a subscriber without a group, then dead-letters the message", async () => {
    const broker = redisBroker({ maxDeliveries: 2 });
    const { topic, look } = topicFor("fanout-dlq");
    const counts: number[] = [];
    await broker.subscribe(topic, (_event, delivery) => {
      counts.push(delivery.deliveryCount);
      throw new Error("always");
    });
    const id = await broker.publish(topic, { sequence: 1n });
    await waitUntil("dead letter", async () => (await look.xlen(`${topic.name}:dlq`)) === 1, 5000);
    expect(counts).toEqual([1, 2]);
    expect((await broker.deadLetters(topic))[0]).toMatchObject({ id, error: "always", deliveryCount: 2, group: undefined });
  });

  it("bounds the dead-letter stream at about deadLetterMaxLen, and warns with how many dead letters trimming dropped", async () => {
    const logger = captureLogger();
    const broker = redisBroker({ logger, maxDeliveries: 1, deadLetterMaxLen: 100 });
    const { topic, look } = topicFor("dlq-bound");
    let failed = 0;
    await broker.subscribe(
      topic,
      () => {
        failed++;
        throw new Error("poison");
      },
      { group: "workers" },
    );
    const poison = 450;
    await Promise.all(Array.from({ length: poison }, (_, i) => broker.publish(topic, { sequence: BigInt(i) })));
    const moved = () => logger.records.filter((r) => r.message === "message moved to the dead-letter stream").length;
    await waitUntil("all dead-lettered", () => failed === poison && moved() === poison, 20_000);
    const length = await look.xlen(`${topic.name}:dlq`);
    // MAXLEN ~ trims whole stream nodes (100 entries each by default): about the bound, never far above.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThanOrEqual(200);
    const warnings = logger.records.filter((r) => r.message === "the dead-letter stream is full: its oldest dead letters were dropped");
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]!.fields).toMatchObject({ topic: topic.name, deadLetterTopic: `${topic.name}:dlq`, deadLetterMaxLen: 100 });
    expect(warnings.reduce((sum, w) => sum + (w.fields["dropped"] as number), 0)).toBe(poison - length);
    // The newest are kept.
    const letters = await broker.deadLetters(topic);
    expect(letters.at(-1)?.error).toBe("poison");
    expect(await pendingCount(look, topic.name, "workers")).toBe(0);
  });

  it("closes gracefully: stops reading, finishes the handlers in flight, acknowledges them, leaves the group", async () => {
    const broker = redisBroker();
    const { topic, look } = topicFor("close");
    let started = 0;
    let finished = 0;
    const subscription = await broker.subscribe(
      topic,
      async () => {
        started++;
        await sleep(300);
        finished++;
      },
      { group: "workers", concurrency: 4 },
    );
    for (let i = 0; i < 10; i++) await broker.publish(topic, { sequence: BigInt(i) });
    await waitUntil("four in flight", () => started === 4, 3000);
    const closing = performance.now();
    await subscription.close();
    expect(performance.now() - closing).toBeLessThan(2000);
    expect(finished).toBe(started);
    expect(await pendingCount(look, topic.name, "workers")).toBe(0);
    expect(await look.xinfo("CONSUMERS", topic.name, "workers")).toEqual([]);
    // Nothing lost: the group's next member gets the rest.
    const rest: bigint[] = [];
    await broker.subscribe(topic, (event) => void rest.push(event.sequence), { group: "workers", concurrency: 10 });
    await waitUntil("the rest", () => rest.length === 10 - started, 5000);
  });

  it("closes an idle subscriber at once, without waiting for its blocked read", async () => {
    const broker = redisBroker({ blockMs: 20_000 });
    const { topic } = topicFor("idle-close");
    const group = await broker.subscribe(topic, () => {}, { group: "workers" });
    const fanout = await broker.subscribe(topic, () => {});
    await sleep(200);
    const closing = performance.now();
    await Promise.all([group.close(), fanout.close()]);
    expect(performance.now() - closing).toBeLessThan(1000);
  });

  it("fails publish with UNAVAILABLE when Redis cannot be reached", async () => {
    const broker = redisBroker({ url: "redis://127.0.0.1:1", redis: { maxRetriesPerRequest: 0 } });
    const { topic } = topicFor("unreachable");
    await expect(broker.publish(topic, {})).rejects.toThrow(/\[UNAVAILABLE\] broker "redis": cannot publish to "kled-test\.unreachable.*redis:\/\/127\.0\.0\.1:1/);
  });
});
