import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { TaskEventSchema, type TaskEvent } from "../../../examples/src/gen/kled/agent/v1/agent_pb.js";
import type { Broker, DeadLetter, Delivery, Topic } from "@kled/runtime";
import { sleep, waitUntil } from "../../registry/wait.js";
import { uniqueTopic } from "../support/topics.js";

/**
 * One behaviour, every broker: the checks below run against the memory,
 * Redis and NATS brokers (one small test file each names how to open one),
 * so that the three cannot drift apart. A broker-specific test file keeps
 * what only that broker has (its wire format, its restarts).
 */

/** What a test asks of a broker it opens. */
export interface ContractSettings {
  /** Deliveries before the dead letters. */
  readonly maxDeliveries?: number;
  /** How long a closing subscription waits for its handlers. Default: the harness's (long). */
  readonly drainTimeoutMs?: number;
  /** The publishing codec. */
  readonly codec?: string;
}

/** How the suite reaches one broker implementation. */
export interface ContractHarness {
  readonly name: string;
  /** Why the suite skips (its server unreachable), or undefined. */
  readonly skip: string | undefined;
  /**
   * Opens a broker as one process would. A message whose handler failed,
   * or whose subscriber stopped without finishing it, must come back within
   * a few seconds with these settings.
   */
  open(settings?: ContractSettings): Broker;
  /** Whether two brokers from {@link open} reach the same messages, as two processes would; false for one process's memory broker. */
  readonly shared: boolean;
  /** The dead letters of `topic`. */
  deadLetters(broker: Broker, topic: Topic): Promise<DeadLetter[]>;
  /** Removes what the tests left on the server for `topic` (its stream, its dead letters). */
  cleanup(topic: Topic): Promise<void>;
}

/** Generous bound of every wait: the machine is shared and slow at times; a passing run takes a fraction of it. */
const WAIT_MS = 15_000;

export function brokerContract(harness: ContractHarness): void {
  const opened: Broker[] = [];
  const topics: Topic[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((broker) => broker.close()));
    await Promise.all(topics.splice(0).map((topic) => harness.cleanup(topic)));
  });

  function open(settings?: ContractSettings): Broker {
    const broker = harness.open(settings);
    opened.push(broker);
    return broker;
  }

  /** A broker for another member of a group: another process's when the harness has processes, else the same. */
  function peerOf(broker: Broker, settings?: ContractSettings): Broker {
    return harness.shared ? open(settings) : broker;
  }

  function topicFor(label: string): Topic<typeof TaskEventSchema> {
    const topic = uniqueTopic(`contract-${label}`);
    topics.push(topic);
    return topic;
  }

  describe.skipIf(harness.skip !== undefined)(`broker contract: ${harness.name}`, () => {
    it("publishes and subscribes typed messages; the delivery tells id, topic, group, count, content type, headers and time", async () => {
      const broker = open();
      const topic = topicFor("typed");
      const received: { event: TaskEvent; delivery: Delivery }[] = [];
      await broker.subscribe(topic, (event, delivery) => {
        expectTypeOf(event).toEqualTypeOf<TaskEvent>();
        received.push({ event, delivery });
      });
      const before = Date.now();
      const headers = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tenant: "acme" };
      const id = await broker.publish(topic, { taskId: "t-1", sequence: 7n }, { headers });
      expectTypeOf(id).toEqualTypeOf<string>();
      await waitUntil("delivered", () => received.length === 1, WAIT_MS);
      const [{ event, delivery }] = received as [{ event: TaskEvent; delivery: Delivery }];
      expect(event).toMatchObject({ taskId: "t-1", sequence: 7n });
      expect(delivery).toMatchObject({
        id,
        topic: topic.name,
        group: undefined,
        deliveryCount: 1,
        contentType: "application/x-protobuf",
        headers,
      });
      expect(delivery.publishedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(delivery.publishedAt.getTime()).toBeLessThanOrEqual(Date.now());
      expect(delivery.signal.aborted).toBe(false);
    });

    it("delivers protobuf and JSON payloads alike, whichever codec the publisher chose", async () => {
      const publisher = open({ codec: "json" });
      const subscriber = peerOf(publisher);
      const topic = topicFor("codecs");
      const received: { sequence: bigint; taskId: string; contentType: string }[] = [];
      await subscriber.subscribe(topic, (event, delivery) =>
        void received.push({ sequence: event.sequence, taskId: event.taskId, contentType: delivery.contentType }),
      );
      await publisher.publish(topic, { taskId: "json", sequence: 1n });
      await publisher.publish(topic, { taskId: "proto", sequence: 2n }, { codec: "proto" });
      await publisher.publish(topic, { taskId: "json-again", sequence: 3n }, { codec: "json" });
      await waitUntil("all three", () => received.length === 3, WAIT_MS);
      expect(received).toEqual([
        { sequence: 1n, taskId: "json", contentType: "application/json" },
        { sequence: 2n, taskId: "proto", contentType: "application/x-protobuf" },
        { sequence: 3n, taskId: "json-again", contentType: "application/json" },
      ]);
    });

    it("shares a group's messages among its members: each message handled once, every member gets some", async () => {
      const first = open();
      const second = peerOf(first);
      const topic = topicFor("group");
      const byFirst: bigint[] = [];
      const bySecond: bigint[] = [];
      // A short pause per message, so that no member can take everything before the other asks.
      await first.subscribe(topic, async (event) => void (await sleep(2), byFirst.push(event.sequence)), { group: "workers" });
      await second.subscribe(topic, async (event) => void (await sleep(2), bySecond.push(event.sequence)), { group: "workers" });
      const count = 100;
      await Promise.all(Array.from({ length: count }, (_, i) => first.publish(topic, { sequence: BigInt(i) })));
      await waitUntil("all handled", () => byFirst.length + bySecond.length >= count, WAIT_MS);
      await sleep(200);
      const all = [...byFirst, ...bySecond].sort((a, b) => Number(a - b));
      expect(all).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
      expect(byFirst.length).toBeGreaterThan(0);
      expect(bySecond.length).toBeGreaterThan(0);
    });

    it("fans out: every subscriber without a group gets every message, and every group gets each once", async () => {
      const broker = open();
      const other = peerOf(broker);
      const topic = topicFor("fanout");
      const plain1: bigint[] = [];
      const plain2: bigint[] = [];
      const groupA: bigint[] = [];
      const groupB: bigint[] = [];
      await broker.subscribe(topic, (event) => void plain1.push(event.sequence));
      await other.subscribe(topic, (event) => void plain2.push(event.sequence));
      await broker.subscribe(topic, (event) => void groupA.push(event.sequence), { group: "a" });
      await broker.subscribe(topic, (event) => void groupB.push(event.sequence), { group: "b" });
      await other.subscribe(topic, (event) => void groupB.push(event.sequence), { group: "b" });
      const count = 50;
      await Promise.all(Array.from({ length: count }, (_, i) => broker.publish(topic, { sequence: BigInt(i) })));
      const expected = Array.from({ length: count }, (_, i) => BigInt(i));
      await waitUntil(
        "everyone has everything",
        () => plain1.length >= count && plain2.length >= count && groupA.length >= count && groupB.length >= count,
        WAIT_MS,
      );
      await sleep(200);
      expect(plain1).toEqual(expected);
      expect(plain2).toEqual(expected);
      expect(groupA).toEqual(expected);
      expect([...groupB].sort((a, b) => Number(a - b))).toEqual(expected);
    });

    for (const group of [undefined, "ordered"]) {
      it(`keeps the publishing order with concurrency 1 (${group === undefined ? "no group" : "a group"})`, async () => {
        const broker = open();
        const topic = topicFor("order");
        const seen: bigint[] = [];
        let running = 0;
        let mostRunning = 0;
        await broker.subscribe(
          topic,
          async (event) => {
            mostRunning = Math.max(mostRunning, ++running);
            await sleep(event.sequence % 3n === 0n ? 3 : 0);
            seen.push(event.sequence);
            running--;
          },
          { concurrency: 1, ...(group === undefined ? {} : { group }) },
        );
        const count = 100;
        await Promise.all(Array.from({ length: count }, (_, i) => broker.publish(topic, { sequence: BigInt(i) })));
        await waitUntil("all handled", () => seen.length === count, WAIT_MS);
        expect(seen).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
        expect(mostRunning).toBe(1);
      });
    }

    it("runs up to `concurrency` handlers of one subscriber at once, never more", async () => {
      const broker = open();
      const topic = topicFor("concurrency");
      let running = 0;
      let mostRunning = 0;
      let done = 0;
      await broker.subscribe(
        topic,
        async () => {
          mostRunning = Math.max(mostRunning, ++running);
          await sleep(50);
          running--;
          done++;
        },
        { group: "workers", concurrency: 4 },
      );
      await Promise.all(Array.from({ length: 24 }, (_, i) => broker.publish(topic, { sequence: BigInt(i) })));
      await waitUntil("all handled", () => done === 24, WAIT_MS);
      expect(mostRunning).toBe(4);
    });

    for (const group of [undefined, "retry"]) {
      it(`delivers a message again after its handler failed, until it succeeds (${group === undefined ? "no group" : "a group"})`, async () => {
        const broker = open({ maxDeliveries: 5 });
        const topic = topicFor("redeliver");
        const deliveries: { id: string; count: number; sequence: bigint }[] = [];
        await broker.subscribe(
          topic,
          (event, delivery) => {
            deliveries.push({ id: delivery.id, count: delivery.deliveryCount, sequence: event.sequence });
            if (delivery.deliveryCount < 3) throw new Error(`not yet (${delivery.deliveryCount})`);
          },
          group === undefined ? {} : { group },
        );
        const id = await broker.publish(topic, { sequence: 42n });
        await waitUntil("third delivery", () => deliveries.length === 3, WAIT_MS);
        await sleep(300);
        expect(deliveries).toEqual([1, 2, 3].map((count) => ({ id, count, sequence: 42n })));
        expect(await harness.deadLetters(broker, topic)).toEqual([]);
      });
    }

    for (const group of [undefined, "doomed"]) {
      it(`moves a message to the dead letters with the last error after maxDeliveries (${group === undefined ? "no group" : "a group"})`, async () => {
        const broker = open({ maxDeliveries: 5 });
        const topic = topicFor("dead-letter");
        const counts: number[] = [];
        await broker.subscribe(
          topic,
          (_event, delivery) => {
            counts.push(delivery.deliveryCount);
            throw new Error(`broke on delivery ${delivery.deliveryCount}`);
          },
          { maxDeliveries: 3, ...(group === undefined ? {} : { group }) },
        );
        const id = await broker.publish(topic, { taskId: "doomed", sequence: 9n }, { headers: { tenant: "acme" } });
        await waitUntil("a dead letter", async () => (await harness.deadLetters(broker, topic)).length === 1, WAIT_MS);
        await sleep(500);
        expect(counts).toEqual([1, 2, 3]);
        const [letter] = await harness.deadLetters(broker, topic);
        expect(letter).toMatchObject({
          topic: topic.name,
          id,
          error: "broke on delivery 3",
          deliveryCount: 3,
          group,
          contentType: "application/x-protobuf",
          headers: { tenant: "acme" },
        });
        expect(fromBinary(TaskEventSchema, letter!.payload!)).toMatchObject({ taskId: "doomed", sequence: 9n });
      });
    }

    it("acknowledges only after success: the message of a subscriber that stopped mid-handler goes to another member; a handled one never comes back", async () => {
      const crashing = open({ drainTimeoutMs: 200 });
      const survivor = peerOf(crashing);
      const topic = topicFor("ack-after-success");
      let taken: Delivery | undefined;
      // Never settles: as if the process hung or died while handling.
      const stuck = await crashing.subscribe(
        topic,
        (_event, delivery) => {
          taken = delivery;
          return new Promise<void>(() => {});
        },
        { group: "workers" },
      );
      const id = await crashing.publish(topic, { sequence: 1n });
      await waitUntil("taken by the subscriber that hangs", () => taken !== undefined, WAIT_MS);
      await stuck.close();
      expect(taken!.signal.aborted).toBe(true);

      const handled: { sequence: bigint; id: string; count: number }[] = [];
      await survivor.subscribe(
        topic,
        (event, delivery) => void handled.push({ sequence: event.sequence, id: delivery.id, count: delivery.deliveryCount }),
        { group: "workers" },
      );
      await waitUntil("given to the other member", () => handled.length === 1, WAIT_MS);
      expect(handled[0]).toMatchObject({ sequence: 1n, id });
      expect(handled[0]!.count).toBeGreaterThanOrEqual(2);

      const second = await survivor.publish(topic, { sequence: 2n });
      await waitUntil("the second handled", () => handled.length === 2, WAIT_MS);
      // Longer than any harness's redelivery time: an acknowledged message stays acknowledged.
      await sleep(2_000);
      expect(handled.map((item) => item.id)).toEqual([id, second]);
    });

    it("closes gracefully: handlers in flight finish before close resolves; the group's next member gets the rest", async () => {
      const broker = open();
      const topic = topicFor("close");
      const started = new Set<bigint>();
      const finished = new Set<bigint>();
      const subscription = await broker.subscribe(
        topic,
        async (event) => {
          started.add(event.sequence);
          await sleep(300);
          finished.add(event.sequence);
        },
        { group: "workers", concurrency: 4 },
      );
      const count = 10;
      for (let i = 0; i < count; i++) await broker.publish(topic, { sequence: BigInt(i) });
      await waitUntil("four in flight", () => started.size === 4, WAIT_MS);
      await subscription.close();
      expect([...finished].sort()).toEqual([...started].sort());

      const rest = new Set<bigint>();
      await peerOf(broker).subscribe(topic, (event) => void rest.add(event.sequence), { group: "workers", concurrency: 10 });
      await waitUntil("the rest", () => rest.size === count - finished.size, WAIT_MS);
      await sleep(300);
      expect([...rest].filter((sequence) => finished.has(sequence))).toEqual([]);
      expect(rest.size + finished.size).toBe(count);
    });
  });
}
