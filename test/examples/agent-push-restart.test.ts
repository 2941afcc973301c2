/**
 * A2A push notifications survive a crash of the agent: the example agent
 * and MCP service as processes (examples/src/agent/main.ts and
 * examples/src/mcp/main.ts, on mDNS of their own), the agent on a SQLite
 * file and the Redis broker. A task's webhook is down (503) while the task
 * runs and waits for input; the agent is killed (SIGKILL) with the task's
 * events unacknowledged in the push delivery group; the webhook comes back,
 * the agent restarts on the same database and broker, delivers every event
 * of the task, and the task, continued with a follow-up message, pushes the
 * rest. The client is the official @a2a-js/sdk over gRPC.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import { TaskState, type SendMessageRequest, type Task } from "@a2a-js/sdk";
import { ClientFactory, type Client } from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import { KledClient } from "@kled/runtime";
import { DEFAULT_PUSH_DELIVERY_GROUP } from "@kled/runtime/a2a";
import { issueToken } from "@kled/runtime/jwt";
import { AgentCardSchema, StreamResponseSchema, TaskState as ProtoTaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentServiceClient, TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import type { TaskEvent } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { DEMO_ISSUER, MCP_AUDIENCE } from "../../examples/src/shared/auth-env.js";
import { AGENT_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { startWebhook, type TestWebhook } from "../a2a-push/support/webhook.js";
import { textMessage } from "../a2a/support/gateway.js";
import { inspector, pendingCount } from "../broker/support/topics.js";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";
import { waitUntil } from "../registry/wait.js";
import { freePort } from "../support/free-port.js";
import { requireRedis } from "../support/services.js";
import { startExampleProcess, type ExampleProcess } from "./support/example-process.js";

/**
 * The Redis database of this test: the agent's topic and its delivery group
 * have fixed names, so a database of its own keeps a demo on database 0 and
 * the audit test (database 9) out of it.
 */
const PUSH_RESTART_TEST_DB = 10;

/**
 * Milliseconds to wait for the restarted agent to deliver what the killed
 * one held: its consumer group hands a dead consumer's messages over once
 * they sat unacknowledged for the Redis broker's claimIdleMs (30 s by
 * default), checked every 15 s; generous for a loaded 2-core machine.
 */
const REDELIVERY_TIMEOUT_MS = 120_000;

/** Milliseconds for a process to start, find the other over mDNS and run a task. */
const READY_TIMEOUT_MS = 45_000;

const redis = await requireRedis();

/** Every variable by which the example services read a token verification key: the agent must run without one (open), MCP with the secret. */
const NO_AUTH_KEYS = { KLED_AUTH_PUBLIC_KEY: undefined, KLED_AUTH_JWKS_URL: undefined, KLED_AUTH_SECRET: undefined };

describe.skipIf(redis.skip !== undefined)("push notifications across an agent restart", () => {
  const redisUrl = (() => {
    const url = new URL(redis.url);
    url.pathname = `/${PUSH_RESTART_TEST_DB}`;
    return url.href;
  })();
  const look = inspector(redisUrl);
  const kled = new KledClient();
  let dir: string;
  let port: number;
  let mcp: ExampleProcess | undefined;
  let agent: ExampleProcess | undefined;
  let agentEnv: Record<string, string | undefined>;
  let webhook: TestWebhook;

  beforeAll(async () => {
    look.forget(TaskEventTopic.name, `${TaskEventTopic.name}:dlq`);
    // A stream and group left by an earlier run would replay its backlog.
    await look.del(TaskEventTopic.name, `${TaskEventTopic.name}:dlq`);
    dir = await mkdtemp(join(tmpdir(), "kled-push-restart-"));
    port = await freePort();
    const secret = randomBytes(32).toString("base64url");
    const agentToken = await issueToken(
      { subject: "kled.agent", issuer: DEMO_ISSUER, audience: MCP_AUDIENCE, ttlSec: 3_600 },
      { key: new TextEncoder().encode(secret), alg: "HS256" },
    );
    const mesh = { KLED_REGISTRY: "mdns", KLED_MDNS_SERVICE_TYPE: uniqueServiceType(), KLED_LOG_LEVEL: "info" };
    agentEnv = {
      ...mesh,
      ...NO_AUTH_KEYS,
      KLED_BROKER: redisUrl,
      KLED_DATABASE_URL: `sqlite:${join(dir, "agent.db")}`,
      KLED_SERVICE_TOKEN: agentToken,
    };
    mcp = startExampleProcess("mcp/main.ts", ["--address", "127.0.0.1:0"], { ...mesh, ...NO_AUTH_KEYS, KLED_AUTH_SECRET: secret });
    webhook = await startWebhook();
  });

  afterAll(async () => {
    await agent?.stop();
    await mcp?.stop();
    await webhook?.close();
    await kled.close();
    await look.cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Starts the agent process on the fixed port, and waits until it runs tasks with the MCP service's tools. */
  async function startAgent(): Promise<Client> {
    agent = startExampleProcess("agent/main.ts", ["--address", `127.0.0.1:${port}`], agentEnv);
    const started = agent;
    const cards = createAgentServiceClient(kled, { service: AGENT_SERVICE_NAME, address: `127.0.0.1:${port}` });
    let card: unknown;
    await waitUntil(
      "the agent answers GetAgentCard",
      async () => {
        if (started.child.exitCode !== null) throw new Error(`the agent exited (${started.child.exitCode}): ${started.stderr()}`);
        card = await cards.getAgentCard({}, { timeoutMs: 2_000 }).then(
          ({ card }) => (card === undefined ? undefined : toJson(AgentCardSchema, card)),
          () => undefined,
        );
        return card !== undefined;
      },
      READY_TIMEOUT_MS,
      200,
    );
    const client = await new ClientFactory({ transports: [new GrpcTransportFactory()] }).createFromAgentCard(
      card as Parameters<ClientFactory["createFromAgentCard"]>[0],
    );
    // The agent finds the MCP service over mDNS; until it does, its tasks fail for want of tools.
    await waitUntil(
      "the agent completes a task with the MCP tools",
      async () => (await send(client, textMessage("add 1 and 2"))).status?.state === TaskState.TASK_STATE_COMPLETED,
      READY_TIMEOUT_MS,
      500,
    );
    return client;
  }

  async function send(client: Client, request: SendMessageRequest): Promise<Task> {
    const result = await client.sendMessage(request);
    if (!("status" in result)) throw new Error("the agent answered with a message, not a task");
    return result;
  }

  /** The task's numbered events from the agent's log, up to `until` (or its end). */
  async function eventLog(taskId: string, until: (event: TaskEvent) => boolean): Promise<TaskEvent[]> {
    const events: TaskEvent[] = [];
    const stream = createAgentServiceClient(kled, { service: AGENT_SERVICE_NAME, address: `127.0.0.1:${port}` }).subscribeTaskEvents(
      { taskId },
      { timeoutMs: 20_000 },
    );
    for await (const { event } of stream) {
      if (event === undefined) continue;
      events.push(event);
      if (until(event)) break;
    }
    return events;
  }

  /** A task event as the push notification body the agent sends for it (ProtoJSON of the StreamResponse). */
  function notificationOf(event: TaskEvent): JsonValue {
    if (event.event.case === undefined) throw new Error(`event ${event.sequence} of task ${event.taskId} is empty`);
    return toJson(StreamResponseSchema, create(StreamResponseSchema, { payload: event.event }));
  }

  function label(event: TaskEvent): string {
    const payload = event.event;
    if (payload.case === "statusUpdate") return `status:${ProtoTaskState[payload.value.status?.state ?? ProtoTaskState.UNSPECIFIED]}`;
    return `artifact:${payload.value?.artifact?.artifactId ?? "?"}`;
  }

  it("delivers every event of a task whose webhook was down when the agent died, and the events of its continuation", { timeout: 4 * REDELIVERY_TIMEOUT_MS }, async () => {
    let client = await startAgent();
    webhook.fallback = { status: 503 };
    const token = `restart-${randomBytes(6).toString("hex")}`;
    const waiting = await send(client, {
      ...textMessage("multiply 6 by 7, store the result"),
      configuration: {
        acceptedOutputModes: [],
        returnImmediately: false,
        taskPushNotificationConfig: { tenant: "", id: "", taskId: "", url: webhook.url, token, authentication: { scheme: "Bearer", credentials: "hook-secret" } },
      },
    });
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const before = await eventLog(waiting.id, (event) => label(event) === "status:INPUT_REQUIRED");
    expect(before.map(label)).toEqual(["status:SUBMITTED", "status:WORKING", "status:WORKING", "artifact:step-1", "status:INPUT_REQUIRED"]);

    // The agent is pushing (and the webhook refusing) when it dies: the events are delivered to its consumer, not acknowledged.
    await waitUntil("the agent tries the webhook", () => webhook.requests.length > 0, READY_TIMEOUT_MS);
    await agent!.kill();
    expect(await pendingCount(look, TaskEventTopic.name, DEFAULT_PUSH_DELIVERY_GROUP)).toBeGreaterThan(0);
    const refused = webhook.requests.length;
    expect(refused).toBeGreaterThan(0);

    webhook.fallback = { status: 200 };
    client = await startAgent();
    /** The notifications the webhook accepted (those after it came back), parsed. */
    const accepted = () => webhook.requests.slice(refused).map((request) => JSON.parse(request.body) as JsonValue);
    await waitUntil(
      "the restarted agent delivers every event of the interrupted task",
      () => before.every((event) => accepted().some((body) => JSON.stringify(body) === JSON.stringify(notificationOf(event)))),
      REDELIVERY_TIMEOUT_MS,
      200,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the webhook got ${webhook.requests.length - refused} since it came back; the agent said:\n${agent!.stderr().slice(-4_000)}`);
    });
    await waitUntil("the group has acknowledged them", async () => (await pendingCount(look, TaskEventTopic.name, DEFAULT_PUSH_DELIVERY_GROUP)) === 0, REDELIVERY_TIMEOUT_MS, 200);
    for (const request of webhook.requests) {
      expect(request.headers["x-a2a-notification-token"]).toBe(token);
      expect(request.headers["authorization"]).toBe("Bearer hook-secret");
      expect(request.headers["content-type"]).toBe("application/a2a+json");
    }

    // The task goes on after the restart, and its new events reach the webhook in their order.
    const continued = webhook.requests.length;
    const done = await send(client, textMessage("after_restart", { taskId: waiting.id }));
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const all = await eventLog(waiting.id, () => false);
    expect(all.map((event) => event.sequence)).toEqual(all.map((_, index) => BigInt(index + 1)));
    expect(all.slice(0, before.length).map(notificationOf)).toEqual(before.map(notificationOf));
    const after = all.slice(before.length);
    // The reply (as the status message), planning, the step.
    expect(after.map(label)).toEqual(["status:WORKING", "status:WORKING", "status:WORKING", "artifact:step-2", "artifact:answer", "status:COMPLETED"]);
    await waitUntil("the continuation's events are pushed", () => webhook.requests.length - continued >= after.length, REDELIVERY_TIMEOUT_MS, 200);
    expect(webhook.requests.slice(continued).map((request) => JSON.parse(request.body) as JsonValue)).toEqual(after.map(notificationOf));

    // Every event of the task reached the webhook at least once, and nothing else did.
    const bodies = accepted().map((body) => JSON.stringify(body));
    const expected = all.map((event) => JSON.stringify(notificationOf(event)));
    expect(expected.filter((body) => !bodies.includes(body))).toEqual([]);
    expect(bodies.filter((body) => !expected.includes(body))).toEqual([]);
    const last = accepted().at(-1) as { statusUpdate?: { taskId: string; status: { state: string } } };
    expect(last.statusUpdate).toMatchObject({ taskId: waiting.id, status: { state: "TASK_STATE_COMPLETED" } });
  });
});
