import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { defineTopic } from "../../runtime/src/broker/topic.js";
import { MemoryBroker } from "../../runtime/src/broker/memory/memory-broker.js";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { StreamResponseSchema, TaskState, TaskStatusUpdateEventSchema, type TaskStatusUpdateEvent } from "../../runtime/src/gen/lf/a2a/v1/a2a_pb.js";
import { MemoryDeliveryRecord } from "../../runtime/src/a2a/push/delivery-record.js";
import { PushNotificationError, WebhookDeliveryError } from "../../runtime/src/a2a/push/push-errors.js";
import { PushNotifier } from "../../runtime/src/a2a/push/push-notifier.js";
import { DEFAULT_PUSH_DELIVERY_GROUP, subscribePushDelivery } from "../../runtime/src/a2a/push/subscribe-push-delivery.js";
import { WebhookPushSender } from "../../runtime/src/a2a/push/webhook-push-sender.js";
import { waitUntil } from "../registry/wait.js";
import { TestConfigSource } from "./support/configs.js";
import { pushConfig, statusUpdate } from "./support/events.js";
import { startWebhook, type TestWebhook } from "./support/webhook.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function webhook(path?: string): Promise<TestWebhook> {
  const started = await startWebhook(path);
  cleanups.push(() => started.close());
  return started;
}

/** One attempt per notify: in these tests retrying is the broker's job. */
const oneShot = new WebhookPushSender({ maxAttempts: 1 });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

describe("PushNotifier", () => {
  it("delivers to every config of the task, each on its own, and rejects naming the ones that failed", async () => {
    const good = await webhook("/good");
    const bad = await webhook("/bad");
    bad.fallback = { status: 503 };
    const configs = new TestConfigSource().add(
      pushConfig("task-1", good.url, { id: "good" }),
      pushConfig("task-1", bad.url, { id: "bad" }),
      pushConfig("task-other", good.url, { id: "other" }),
    );
    const notifier = new PushNotifier(configs, { sender: oneShot });
    const error = await rejection(notifier.notify("task-1", statusUpdate("task-1")));
    expect(error).toBeInstanceOf(PushNotificationError);
    const failed = error as PushNotificationError;
    expect(failed.message).toBe(`push notification for task "task-1": 1 of 2 webhooks failed: webhook ${bad.url}: gave up after 1 attempt(s); last: HTTP 503 Service Unavailable`);
    expect(failed.delivered).toBe(1);
    expect(failed.failures.map((failure) => failure.config.id)).toEqual(["bad"]);
    expect(failed.failures[0]!.error).toBeInstanceOf(WebhookDeliveryError);
    expect(good.requests).toHaveLength(1);
    expect(bad.requests).toHaveLength(1);
    expect(configs.lookups).toEqual(["task-1"]);
  });

  it("with an event id, skips the configs that already got that event; without one, sends to all again", async () => {
    const good = await webhook("/good");
    const flaky = await webhook("/flaky");
    flaky.script({ status: 500 });
    const configs = new TestConfigSource().add(pushConfig("task-2", good.url, { id: "good" }), pushConfig("task-2", flaky.url, { id: "flaky" }));
    const record = new MemoryDeliveryRecord();
    const notifier = new PushNotifier(configs, { sender: oneShot, deliveryRecord: record });
    await rejection(notifier.notify("task-2", statusUpdate("task-2"), { eventId: "event-1" }));
    expect(await notifier.notify("task-2", statusUpdate("task-2"), { eventId: "event-1" })).toEqual({ delivered: 1, skipped: 1 });
    expect(good.requests).toHaveLength(1);
    expect(flaky.requests).toHaveLength(2);
    expect(await notifier.notify("task-2", statusUpdate("task-2"), { eventId: "event-1" })).toEqual({ delivered: 0, skipped: 2 });
    expect(await notifier.notify("task-2", statusUpdate("task-2"), { eventId: "event-2" })).toEqual({ delivered: 2, skipped: 0 });
    expect(await notifier.notify("task-2", statusUpdate("task-2"))).toEqual({ delivered: 2, skipped: 0 });
    expect(good.requests).toHaveLength(3);
    expect(record.size).toBe(4);
  });

  it("resolves with nothing to do for a task without configs", async () => {
    const notifier = new PushNotifier(new TestConfigSource());
    expect(await notifier.notify("task-none", statusUpdate("task-none"))).toEqual({ delivered: 0, skipped: 0 });
  });

  it("refuses an event of another task, and a config the source returned for another task", async () => {
    const hook = await webhook();
    const configs = new TestConfigSource().add(pushConfig("task-3", hook.url));
    const notifier = new PushNotifier(
      { listPushConfigs: async () => [...(await configs.listPushConfigs("task-3")), pushConfig("task-x", hook.url, { id: "stray" })] },
      { sender: oneShot },
    );
    await expect(notifier.notify("task-3", statusUpdate("task-4"))).rejects.toThrow(
      'push notification for task "task-3": the statusUpdate belongs to task "task-4"',
    );
    const error = (await rejection(notifier.notify("task-3", statusUpdate("task-3")))) as PushNotificationError;
    expect(error.failures.map((failure) => String(failure.error))).toEqual([
      'Error: push config "stray" belongs to task "task-x", not "task-3"; check the config source',
    ]);
    expect(hook.requests).toHaveLength(1);
  });

  it("keeps at most maxEntries keys in a memory record, the oldest out first", async () => {
    const record = new MemoryDeliveryRecord({ maxEntries: 2 });
    for (const key of ["a", "b", "c"]) await record.add(key);
    expect([await record.has("a"), await record.has("b"), await record.has("c")]).toEqual([false, true, true]);
  });
});

describe("subscribePushDelivery on the memory broker", () => {
  const topic = defineTopic(TaskStatusUpdateEventSchema, "kled-test.a2a-push.status");
  /** The topic's message as a push notification: what an agent's mapping of its task events does. */
  const toPushEvent = (event: TaskStatusUpdateEvent) => ({
    taskId: event.taskId,
    response: create(StreamResponseSchema, { payload: { case: "statusUpdate", value: event } }),
  });

  function memoryBroker(maxDeliveries = 5): MemoryBroker {
    const broker = new MemoryBroker({ logger: silentLogger, maxDeliveries, drainTimeoutMs: 1_000 });
    cleanups.push(() => broker.close());
    return broker;
  }

  it("has a failing webhook's event delivered again until it takes it, without repeating it to the webhook that took it", async () => {
    const good = await webhook("/good");
    const flaky = await webhook("/flaky");
    flaky.script({ status: 503 }, { status: 503 });
    const configs = new TestConfigSource().add(pushConfig("task-5", good.url, { id: "good" }), pushConfig("task-5", flaky.url, { id: "flaky" }));
    const broker = memoryBroker();
    const deliveries: number[] = [];
    const subscription = await subscribePushDelivery(
      broker,
      topic,
      (event, delivery) => {
        deliveries.push(delivery.deliveryCount);
        return toPushEvent(event);
      },
      new PushNotifier(configs, { sender: oneShot }),
    );
    expect(subscription.group).toBe(DEFAULT_PUSH_DELIVERY_GROUP);
    await broker.publish(topic, { taskId: "task-5", contextId: "ctx", status: { state: TaskState.COMPLETED } });
    await waitUntil("the flaky webhook took it", () => flaky.requests.length === 3, 5_000);
    await waitUntil("acknowledged", () => deliveries.length === 3, 1_000);
    expect(deliveries).toEqual([1, 2, 3]);
    expect(good.requests).toHaveLength(1);
    expect(JSON.parse(flaky.requests[2]!.body)).toEqual({
      statusUpdate: { taskId: "task-5", contextId: "ctx", status: { state: "TASK_STATE_COMPLETED" } },
    });
    expect(broker.deadLetters(topic)).toEqual([]);
  });

  it("dead-letters an event a webhook keeps refusing, with the error naming the webhook, after the broker's delivery limit", async () => {
    const refusing = await webhook("/refusing");
    refusing.fallback = { status: 410 };
    const broker = memoryBroker(3);
    await subscribePushDelivery(broker, topic, toPushEvent, new PushNotifier(new TestConfigSource().add(pushConfig("task-6", refusing.url)), { sender: oneShot }));
    await broker.publish(topic, { taskId: "task-6", status: { state: TaskState.FAILED } });
    await waitUntil("dead letter", () => broker.deadLetters(topic).length === 1, 5_000);
    expect(refusing.requests).toHaveLength(3);
    expect(broker.deadLetters(topic)[0]).toMatchObject({
      deliveryCount: 3,
      group: DEFAULT_PUSH_DELIVERY_GROUP,
      error: `push notification for task "task-6": 1 of 1 webhooks failed: webhook ${refusing.url}: HTTP 410 Gone, not retried`,
    });
  });

  it("acknowledges messages the mapping says are no notification", async () => {
    const hook = await webhook();
    const broker = memoryBroker();
    let seen = 0;
    await subscribePushDelivery(
      broker,
      topic,
      () => void seen++,
      new PushNotifier(new TestConfigSource().add(pushConfig("task-7", hook.url))),
    );
    await broker.publish(topic, { taskId: "task-7" });
    await waitUntil("seen", () => seen === 1, 2_000);
    expect(hook.requests).toHaveLength(0);
    expect(broker.deadLetters(topic)).toEqual([]);
  });
});
