/**
 * `kled publish` and `kled subscribe` end to end on a real Redis, as a user
 * runs them: the message type comes from a `buf build` image of proto/
 * (--descriptors) or from a running service's reflection (--reflect). Each
 * test has a topic of its own, deleted afterwards, so that test files run in
 * parallel against one Redis.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { inspector, pendingCount, uniqueTopic } from "../broker/support/topics.js";
import { waitUntil } from "../registry/wait.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { requireRedis } from "../support/services.js";
import { createKled, REPO_ROOT, type RunningKled } from "./support/run-kled.js";

const redis = await requireRedis();
// KLED_BROKER=redis: the commands find Redis through KLED_REDIS_URL unless --broker says otherwise.
const { kled, kledOk, startKled } = createKled({ KLED_BROKER: "redis", KLED_REDIS_URL: redis.url });
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
let dir = "";
let taskEvent: string[] = [];
const looks: ReturnType<typeof inspector>[] = [];
const running: RunningKled[] = [];

beforeAll(async () => {
  if (redis.skip !== undefined) return;
  dir = await mkdtemp(join(tmpdir(), "kled-pubsub-"));
  const image = join(dir, "image.binpb");
  await promisify(execFile)("npx", ["buf", "build", "proto", "-o", image], { cwd: REPO_ROOT });
  taskEvent = ["--type", "kled.agent.v1.TaskEvent", "--descriptors", image];
});

afterEach(async () => {
  for (const { child } of running.splice(0)) child.kill("SIGKILL");
  await Promise.all(looks.splice(0).map((look) => look.cleanup()));
});

afterAll(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

/** A topic of this test's own, and a connection to look at its stream. */
function topicFor(label: string) {
  const topic = uniqueTopic(`cli-${label}`).name;
  const look = inspector(redis.url);
  look.forget(topic, `${topic}:dlq`);
  looks.push(look);
  return { topic, look };
}

function subscribe(...args: string[]): RunningKled {
  const subscriber = startKled(dir, "subscribe", ...args);
  running.push(subscriber);
  return subscriber;
}

async function groupExists(look: ReturnType<typeof inspector>, topic: string, group: string): Promise<boolean> {
  try {
    const groups = (await look.xinfo("GROUPS", topic)) as unknown[][];
    return groups.some((fields) => fields[1] === group);
  } catch {
    return false; // no stream yet
  }
}

function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
}

describe.skipIf(redis.skip !== undefined)("kled publish / subscribe", () => {
  test("a group subscriber prints a JSON and a protobuf message decoded, acknowledges both and exits after --count", async () => {
    const { topic, look } = topicFor("group");
    const subscriber = subscribe(topic, ...taskEvent, "--broker", redis.url, "--group", "g", "--count", "2", "--timeout", "20s");
    await waitUntil("the subscriber's group exists", () => groupExists(look, topic, "g"), 15_000);

    const working = { taskId: "t1", sequence: "1", time: "2025-01-02T03:04:05Z", statusUpdate: { status: { state: "TASK_STATE_WORKING" } } };
    const artifact = { taskId: "t1", sequence: "2", artifactUpdate: { artifact: { artifactId: "answer" }, lastChunk: true } };
    const first = await kledOk(dir, "publish", topic, JSON.stringify(working), ...taskEvent, "--content-type", "json", "-H", "trace-id:abc");
    expect(first).toMatch(/^\d+-\d+\n$/);
    const second = JSON.parse(await kledOk(dir, "--json", "publish", topic, JSON.stringify(artifact), ...taskEvent)) as { id: string };
    expect(second).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), topic, contentType: "application/x-protobuf" });

    const result = await subscriber.done;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      {
        id: first.trim(),
        topic,
        contentType: "application/json",
        deliveryCount: 1,
        publishedAt: expect.stringMatching(ISO_TIME),
        headers: { "trace-id": "abc" },
        message: working,
      },
      {
        id: second.id,
        topic,
        contentType: "application/x-protobuf",
        deliveryCount: 1,
        publishedAt: expect.stringMatching(ISO_TIME),
        headers: {},
        message: artifact,
      },
    ]);
    expect(await pendingCount(look, topic, "g")).toBe(0);
  });

  test("a message that cannot be decoded goes to the dead letters, and the subscriber carries on", async () => {
    const { topic, look } = topicFor("undecodable");
    const subscriber = subscribe(topic, ...taskEvent, "--group", "g", "--count", "1", "--timeout", "20s");
    await waitUntil("the subscriber's group exists", () => groupExists(look, topic, "g"), 15_000);
    await look.xadd(topic, "*", "payload", "{not json", "content-type", "application/json", "headers", "{}", "published-at", String(Date.now()));
    await kledOk(dir, "publish", topic, '{"taskId":"after"}', ...taskEvent);

    const result = await subscriber.done;
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toMatchObject([{ message: { taskId: "after" } }]);
    expect(result.stderr).toContain('"msg":"message moved to the dead-letter stream"');
    expect(await look.xlen(`${topic}:dlq`)).toBe(1);
  });

  test("without a group it prints what is published from now on; SIGINT closes the subscription and exits 0", async () => {
    const { topic } = topicFor("fanout");
    await kledOk(dir, "publish", topic, '{"taskId":"before"}', ...taskEvent);
    const subscriber = subscribe(topic, ...taskEvent);
    // Subscribed once its reader connection (named after the consumer: host, pid…) is up.
    const look = inspector(redis.url);
    looks.push(look);
    const reader = `kled-sub:${hostname()}-${subscriber.child.pid}-`;
    await waitUntil("the subscriber's reader is connected", async () => String(await look.client("LIST")).includes(reader), 15_000);
    await kledOk(dir, "publish", topic, '{"taskId":"after"}', ...taskEvent);
    await waitUntil("the message is printed", () => subscriber.output().stdout.includes("\n"), 10_000);

    subscriber.child.kill("SIGINT");
    const result = await subscriber.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(jsonLines(result.stdout)).toMatchObject([{ deliveryCount: 1, message: { taskId: "after" } }]);
  });

  test("--reflect takes the type from a running service's gRPC reflection", async () => {
    const { topic, look } = topicFor("reflect");
    const service = new Service({ name: "pubsub-echo", registry: new MemoryRegistry(), address: "127.0.0.1:0", logger: silentLogger });
    registerEchoServiceHandler(service.server, new EchoHandler());
    await service.start();
    try {
      const echo = ["--type", "kled.test.v1.EchoRequest", "--reflect", service.address ?? ""];
      const subscriber = subscribe(topic, ...echo, "--group", "g", "--count", "1", "--timeout", "20s");
      await waitUntil("the subscriber's group exists", () => groupExists(look, topic, "g"), 15_000);
      await kledOk(dir, "publish", topic, '{"text":"hi","delayMs":5}', ...echo);
      const result = await subscriber.done;
      expect(result.code).toBe(0);
      expect(jsonLines(result.stdout)).toMatchObject([{ message: { text: "hi", delayMs: 5 } }]);
    } finally {
      await service.stop();
    }
  });

  test("a bad field names the topic and the field, exit code 2", async () => {
    const result = await kled(dir, "publish", "kled.agent.v1.task-events", '{"taskid":"t1"}', ...taskEvent);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'kled: message for topic "kled.agent.v1.task-events": cannot decode message kled.agent.v1.TaskEvent from JSON: key "taskid" is unknown\n',
    );
  });

  test("the in-memory broker is refused: no other process would see its messages", async () => {
    const refused = (from: string) =>
      `kled: broker "memory"${from} cannot serve kled publish: it lives inside one process, so other processes never see its messages; use --broker redis or --broker redis://host:port\n`;
    const flag = await kled(dir, "publish", "t", "{}", ...taskEvent, "--broker", "memory");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(refused(""));
    const env = await createKled({ KLED_BROKER: "memory" }).kled(dir, "publish", "t", "{}", ...taskEvent);
    expect(env.code).toBe(2);
    expect(env.stderr).toBe(refused(" (from KLED_BROKER)"));
  });

  test("--count with --timeout fails when fewer messages came", async () => {
    const { topic } = topicFor("timeout");
    const result = await kled(dir, "subscribe", topic, ...taskEvent, "--count", "2", "--timeout", "500ms");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("kled: received 0 of 2 messages (--count) before --timeout (500ms) passed\n");
  });
});
