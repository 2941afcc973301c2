import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { defineTopic } from "@kled/runtime";
import { RedisBroker } from "@kled/runtime/redis";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { StreamResponseSchema, TaskState, TaskStatusUpdateEventSchema, type TaskStatusUpdateEvent } from "../../runtime/src/gen/lf/a2a/v1/a2a_pb.js";
import { PushNotifier } from "../../runtime/src/a2a/push/push-notifier.js";
import { subscribePushDelivery } from "../../runtime/src/a2a/push/subscribe-push-delivery.js";
import { WebhookPushSender } from "../../runtime/src/a2a/push/webhook-push-sender.js";
import { waitUntil } from "../registry/wait.js";
import { requireRedis } from "../support/services.js";
import { TestConfigSource } from "./support/configs.js";
import { pushConfig } from "./support/events.js";
import { startWebhook, type TestWebhook } from "./support/webhook.js";

const redis = await requireRedis();

const SUBSCRIBER = fileURLToPath(new URL("./fixtures/push-subscriber.ts", import.meta.url));
/** Starting Node with tsx takes a few hundred milliseconds; allow for a loaded machine. */
const CHILD_READY_TIMEOUT_MS = 15_000;
const GROUP = "push";

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A topic of its own, its stream and dead-letter stream deleted after the test, and a connection to look at them. */
function topicFor(label: string) {
  const topic = defineTopic(TaskStatusUpdateEventSchema, `kled-test.a2a-push.${label}.${process.pid}.${randomBytes(4).toString("hex")}`);
  const look = new Redis(redis.url, { maxRetriesPerRequest: 2 });
  look.on("error", () => undefined);
  cleanups.push(async () => {
    await look.del(topic.name, `${topic.name}:dlq`).catch(() => undefined);
    look.disconnect();
  });
  const pending = async () => Number(((await look.xpending(topic.name, GROUP)) as [number])[0]);
  return { topic, look, pending };
}

async function webhook(): Promise<TestWebhook> {
  const started = await startWebhook();
  cleanups.push(() => started.close());
  return started;
}

function redisBroker(options: { claimIdleMs?: number; drainTimeoutMs?: number } = {}): RedisBroker {
  const broker = new RedisBroker({ url: redis.url, logger: silentLogger, claimIdleMs: 500, claimIntervalMs: 100, ...options });
  cleanups.push(() => broker.close());
  return broker;
}

/** The agent's mapping of its topic's events to notifications, recording the delivery count of each call. */
function mapping(counts: number[]) {
  return (event: TaskStatusUpdateEvent, delivery: { deliveryCount: number }) => {
    counts.push(delivery.deliveryCount);
    return { taskId: event.taskId, response: create(StreamResponseSchema, { payload: { case: "statusUpdate", value: event } }) };
  };
}

async function startSubscriber(topic: string, webhookUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", SUBSCRIBER, redis.url, topic, GROUP, webhookUrl], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`subscriber did not print "ready" within ${CHILD_READY_TIMEOUT_MS} ms`)), CHILD_READY_TIMEOUT_MS);
  });
  try {
    const line = await Promise.race([lines.next(), timeout]);
    expect(line.value).toBe("ready");
  } finally {
    clearTimeout(timer);
  }
  return child;
}

describe.skipIf(redis.skip !== undefined)("push delivery through the Redis broker", () => {
  it("delivers the event that a subscriber process was pushing when it died, through a new subscriber of the group", { timeout: 60_000 }, async () => {
    const { topic, pending } = topicFor("killed");
    const hook = await webhook();
    hook.fallback = "hang";
    const victim = await startSubscriber(topic.name, hook.url);

    const publisher = redisBroker();
    const id = await publisher.publish(topic, { taskId: "task-k", contextId: "ctx-k", status: { state: TaskState.COMPLETED } });
    // The victim took the event and is waiting for the webhook's answer: delivered, not acknowledged.
    await waitUntil("the victim's POST", () => hook.requests.length === 1, 10_000);
    expect(await pending()).toBe(1);
    victim.kill("SIGKILL");
    await waitUntil("victim gone", () => victim.exitCode !== null || victim.signalCode !== null, 5_000);

    hook.fallback = { status: 204 };
    const counts: number[] = [];
    const survivor = redisBroker();
    await subscribePushDelivery(survivor, topic, mapping(counts), new PushNotifier(new TestConfigSource().add(pushConfig("task-k", hook.url))), { group: GROUP });
    await waitUntil("the survivor's POST", () => hook.requests.length === 2, 10_000);
    await waitUntil("acknowledged", async () => (await pending()) === 0, 5_000);
    expect(counts).toEqual([2]);
    expect(hook.requests[1]!.body).toBe(hook.requests[0]!.body);
    expect(JSON.parse(hook.requests[1]!.body)).toEqual({
      statusUpdate: { taskId: "task-k", contextId: "ctx-k", status: { state: "TASK_STATE_COMPLETED" } },
    });
    expect(id).toMatch(/^\d+-\d+$/);
  });

  it("leaves an event unacknowledged when its subscriber closes before the webhook answered, and another member of the group delivers it", { timeout: 30_000 }, async () => {
    const { topic, pending } = topicFor("closed");
    const hook = await webhook();
    hook.fallback = "hang";
    const configs = new TestConfigSource().add(pushConfig("task-c", hook.url));
    const first = redisBroker({ drainTimeoutMs: 200 });
    const firstCounts: number[] = [];
    const subscription = await subscribePushDelivery(first, topic, mapping(firstCounts), new PushNotifier(configs), { group: GROUP });
    await first.publish(topic, { taskId: "task-c", status: { state: TaskState.WORKING } });
    await waitUntil("the first POST", () => hook.requests.length === 1, 5_000);
    // Its drain time runs out while the webhook hangs: the delivery's signal aborts the POST, and nothing is acknowledged.
    await subscription.close();
    expect(await pending()).toBe(1);

    hook.fallback = { status: 200 };
    const secondCounts: number[] = [];
    await subscribePushDelivery(redisBroker(), topic, mapping(secondCounts), new PushNotifier(configs), { group: GROUP });
    await waitUntil("the second POST", () => hook.requests.length === 2, 10_000);
    await waitUntil("acknowledged", async () => (await pending()) === 0, 5_000);
    expect(firstCounts).toEqual([1]);
    expect(secondCounts).toEqual([2]);
  });

  it("retries through redelivery while the webhook is down, and delivers once it is back", { timeout: 30_000 }, async () => {
    const { topic, pending, look } = topicFor("outage");
    const hook = await webhook();
    hook.script({ status: 503 }, { status: 503 });
    const counts: number[] = [];
    const broker = redisBroker({ claimIdleMs: 300 });
    const notifier = new PushNotifier(new TestConfigSource().add(pushConfig("task-o", hook.url)), {
      sender: new WebhookPushSender({ maxAttempts: 1 }),
    });
    await subscribePushDelivery(broker, topic, mapping(counts), notifier, { group: GROUP });
    await broker.publish(topic, { taskId: "task-o", status: { state: TaskState.COMPLETED } });
    await waitUntil("delivered", () => hook.requests.length === 3, 15_000);
    await waitUntil("acknowledged", async () => (await pending()) === 0, 5_000);
    expect(counts).toEqual([1, 2, 3]);
    expect(await look.xlen(`${topic.name}:dlq`)).toBe(0);
  });
});
