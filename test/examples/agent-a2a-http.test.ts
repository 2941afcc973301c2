/**
 * Interop over HTTP: the example agent (with push delivery wired as its
 * process entry wires it) and the example MCP service on one registry,
 * behind an A2aGateway, driven by the official @a2a-js/sdk client,
 * unmodified, through the JSON-RPC and the HTTP+JSON bindings. The client
 * is built from the card the gateway serves at the agent's base URL.
 */
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { TaskState, type SendMessageRequest, type StreamResponse, type Task } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { TaskNotCancelableError, TaskNotFoundError } from "@a2a-js/sdk/errors";
import { StreamResponseSchema, TaskState as ProtoTaskState, type StreamResponse as ProtoStreamResponse } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Planner } from "../../examples/src/agent/planner.js";
import { RulePlanner } from "../../examples/src/agent/rule-planner.js";
import { AGENT_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { startWebhook, type TestWebhook } from "../a2a-push/support/webhook.js";
import { eventually } from "../a2a/support/eventually.js";
import { BINDINGS, sdkClient, startGateway, textMessage, type RunningGateway } from "../a2a/support/gateway.js";
import { type ExampleCluster, startCluster } from "./start-services.js";
import { startPushAgent, type PushAgent } from "./support/push-agent.js";

/**
 * Goals the planner holds before their second step until the test releases
 * them (or the task is aborted, as a cancel does): such a task is surely
 * running while the test cancels it or drops its stream.
 */
const holds = new Map<string, Promise<void>>();
const rules = new RulePlanner();
const holding: Planner = {
  async next(state, signal) {
    const hold = holds.get(state.goal);
    if (state.steps.length === 1 && hold !== undefined) {
      await new Promise<void>((resolve, reject) => {
        void hold.then(resolve);
        signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
      });
    }
    return rules.next(state);
  },
};

/** Holds `goal` after its first step; the returned function lets it go on. */
function hold(goal: string): () => void {
  let release!: () => void;
  holds.set(goal, new Promise((resolve) => (release = resolve)));
  return release;
}

let cluster: ExampleCluster;
let agent: PushAgent;
let gateway: RunningGateway;
const webhooks: TestWebhook[] = [];

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: false });
  agent = await startPushAgent(cluster, holding);
  gateway = await startGateway(cluster.registry);
});
afterAll(async () => {
  await gateway?.stop();
  await agent?.stop();
  await cluster?.stop();
  await Promise.all(webhooks.map((webhook) => webhook.close()));
});

/** The payload of a stream item, as a short label: `task:STATE`, `status:STATE` or `artifact:ID`. */
function label(item: StreamResponse): string {
  const payload = item.payload;
  switch (payload?.$case) {
    case "task":
      return `task:${TaskState[payload.value.status?.state ?? 0]}`;
    case "statusUpdate":
      return `status:${TaskState[payload.value.status?.state ?? 0]}`;
    case "artifactUpdate":
      return `artifact:${payload.value.artifact?.artifactId ?? "?"}`;
    default:
      return payload?.$case ?? "?";
  }
}

/** The same label for a push notification body as protobuf-es parsed it. */
function protoLabel(response: ProtoStreamResponse): string {
  const payload = response.payload;
  switch (payload.case) {
    case "task":
      return `task:${ProtoTaskState[payload.value.status?.state ?? 0]}`;
    case "statusUpdate":
      return `status:${ProtoTaskState[payload.value.status?.state ?? 0]}`;
    case "artifactUpdate":
      return `artifact:${payload.value.artifact?.artifactId ?? "?"}`;
    default:
      return payload.case ?? "?";
  }
}

async function send(client: Client, request: SendMessageRequest): Promise<Task> {
  const result = await client.sendMessage(request);
  if (!("status" in result)) throw new Error("the agent answered with a message, not a task");
  return result;
}

function answerOf(task: Task): unknown {
  return task.artifacts.find((artifact) => artifact.artifactId === "answer")?.parts[0]?.content;
}

describe.each(BINDINGS)("the example agent through the A2A gateway with @a2a-js/sdk over %s", (binding) => {
  let client: Client;
  beforeAll(async () => {
    client = await sdkClient(gateway.agentUrl(AGENT_SERVICE_NAME), binding);
  });

  it("resolves the agent's card from its base URL and picks the binding", async () => {
    const card = await client.getAgentCard();
    expect(card.name).toBe("kled-example-agent");
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.capabilities?.pushNotifications).toBe(true);
    expect(card.supportedInterfaces.map((entry) => entry.protocolBinding)).toEqual(["JSONRPC", "HTTP+JSON", "GRPC"]);
    expect(card.supportedInterfaces[2]?.url).toBe(agent.service.address);
    expect((client as unknown as { transport: { protocolName: string } }).transport.protocolName).toBe(binding);
  });

  it("sends a message and gets the completed task with the result, then gets and lists it", async () => {
    const done = await send(client, textMessage("add 2 and 3, then multiply by 4"));
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(done)).toEqual({ $case: "text", value: "1. add 2 and 3 → 5\n2. multiply by 4 → 20" });
    expect(done.artifacts.map((artifact) => artifact.artifactId)).toEqual(["step-1", "step-2", "answer"]);

    const read = await client.getTask({ tenant: "", id: done.id, historyLength: 1 });
    expect(read.id).toBe(done.id);
    expect(read.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(read.history).toHaveLength(1);
    expect(answerOf(read)).toEqual(answerOf(done));

    const listed = await client.listTasks({
      tenant: "",
      contextId: done.contextId,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageSize: 10,
      pageToken: "",
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(listed.tasks.map((task) => task.id)).toEqual([done.id]);
    expect(listed.totalSize).toBe(1);
    expect(listed.tasks[0]?.artifacts.map((artifact) => artifact.artifactId)).toEqual(["step-1", "step-2", "answer"]);

    const completedOnly = await client.listTasks({
      tenant: "",
      contextId: done.contextId,
      status: TaskState.TASK_STATE_WORKING,
      pageSize: 10,
      pageToken: "",
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: false,
    });
    expect(completedOnly.tasks).toEqual([]);
  });

  it("streams a task's events to completion, in order", async () => {
    const items: StreamResponse[] = [];
    for await (const item of client.sendMessageStream(textMessage("uppercase 'kled', then reverse it"))) items.push(item);
    expect(items.map(label)).toEqual([
      "task:TASK_STATE_SUBMITTED",
      "status:TASK_STATE_WORKING",
      "status:TASK_STATE_WORKING",
      "artifact:step-1",
      "status:TASK_STATE_WORKING",
      "artifact:step-2",
      "artifact:answer",
      "status:TASK_STATE_COMPLETED",
    ]);
    const answer = items.at(-2)?.payload;
    expect(answer?.$case === "artifactUpdate" && answer.value.artifact?.parts[0]?.content).toEqual({
      $case: "text",
      value: '1. uppercase "kled" → "KLED"\n2. reverse it → "DELK"',
    });
  });

  it("cancels a running task", async () => {
    const goal = binding === "JSONRPC" ? "add 7 and 8, then add 9" : "add 17 and 18, then add 19";
    hold(goal);
    const started = await send(client, { ...textMessage(goal), configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true } });
    await eventually("the first step is done", async () => (await client.getTask({ tenant: "", id: started.id })).artifacts.length === 1);
    const canceled = await client.cancelTask({ tenant: "", id: started.id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const read = await client.getTask({ tenant: "", id: started.id });
    expect(read.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(read.artifacts.map((artifact) => artifact.artifactId)).toEqual(["step-1"]);
  });

  it("resubscribes to a task after dropping its stream, and gets the rest", async () => {
    const goal = binding === "JSONRPC" ? "add 1 and 2, then add 3" : "add 11 and 12, then add 13";
    const release = hold(goal);
    let taskId = "";
    const before: string[] = [];
    for await (const item of client.sendMessageStream(textMessage(goal))) {
      before.push(label(item));
      if (item.payload?.$case === "task") taskId = item.payload.value.id;
      if (item.payload?.$case === "artifactUpdate") break; // the first step is done; the task is held before its second
    }
    expect(before.at(-1)).toBe("artifact:step-1");
    const resumed = client.resubscribeTask({ tenant: "", id: taskId });
    const first = await resumed.next();
    expect(first.value === undefined ? "end" : label(first.value)).toBe("task:TASK_STATE_WORKING");
    expect(first.value?.payload?.$case === "task" && first.value.payload.value.artifacts.map((a) => a.artifactId)).toEqual(["step-1"]);
    release();
    const rest: string[] = [];
    for await (const item of resumed) rest.push(label(item));
    expect(rest).toEqual(["status:TASK_STATE_WORKING", "artifact:step-2", "artifact:answer", "status:TASK_STATE_COMPLETED"]);
    const done = await client.getTask({ tenant: "", id: taskId });
    expect(answerOf(done)).toEqual({ $case: "text", value: goal.startsWith("add 1 ") ? "1. add 1 and 2 → 3\n2. add 3 → 6" : "1. add 11 and 12 → 23\n2. add 13 → 36" });
  });

  it("asks for input, and completes the task with the follow-up message", async () => {
    const waiting = await send(client, textMessage("multiply 6 by 7, store the result"));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(waiting.status?.message?.parts[0]?.content).toMatchObject({ $case: "text", value: expect.stringMatching(/^Under which key/) });
    const key = `http_${binding === "JSONRPC" ? "jsonrpc" : "rest"}`;
    const done = await send(client, textMessage(key, { taskId: waiting.id }));
    expect(done.id).toBe(waiting.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(done.history.filter((message) => message.role === 1).map((message) => message.parts[0]?.content)).toEqual([
      { $case: "text", value: "multiply 6 by 7, store the result" },
      { $case: "text", value: key },
    ]);
    expect(answerOf(done)).toEqual({ $case: "text", value: "1. multiply 6 by 7 → 42\n2. store the result → 42" });
    // The follow-up's key is where the value went.
    const read = await send(client, textMessage(`get ${key}`));
    expect(answerOf(read)).toEqual({ $case: "text", value: `1. get ${key} → 42` });
  });

  it("pushes the task's events to the webhook configured with the message, with its token and credentials", async () => {
    const webhook = await startWebhook(`/hooks/${binding}`);
    webhooks.push(webhook);
    const token = `token-${binding}-${crypto.randomUUID()}`;
    const credentials = `credentials-${binding}`;
    const done = await send(client, {
      ...textMessage("add 20 and 22, then multiply by 2"),
      configuration: {
        acceptedOutputModes: [],
        returnImmediately: false,
        taskPushNotificationConfig: { tenant: "", id: "", taskId: "", url: webhook.url, token, authentication: { scheme: "Bearer", credentials } },
      },
    });
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const notifications = () =>
      webhook.requests.map((request) => ({ request, body: fromJson(StreamResponseSchema, JSON.parse(request.body) as JsonValue) }));
    await eventually("the COMPLETED notification", () => notifications().some(({ body }) => protoLabel(body) === "status:COMPLETED"));
    const received = notifications();
    for (const { request, body } of received) {
      expect(request.method).toBe("POST");
      expect(request.path).toBe(`/hooks/${binding}`);
      expect(request.headers["content-type"]).toBe("application/a2a+json");
      expect(request.headers["x-a2a-notification-token"]).toBe(token);
      expect(request.headers["authorization"]).toBe(`Bearer ${credentials}`);
      expect(body.payload.case === "statusUpdate" || body.payload.case === "artifactUpdate" ? body.payload.value.taskId : "").toBe(done.id);
    }
    expect(received.map(({ body }) => protoLabel(body))).toEqual([
      "status:SUBMITTED",
      "status:WORKING",
      "status:WORKING",
      "artifact:step-1",
      "status:WORKING",
      "artifact:step-2",
      "artifact:answer",
      "status:COMPLETED",
    ]);
    const answer = received.at(-2)?.body.payload;
    expect(answer?.case === "artifactUpdate" && answer.value.artifact?.parts[0]?.content).toEqual({
      case: "text",
      value: "1. add 20 and 22 → 42\n2. multiply by 2 → 84",
    });
  });

  it("raises the SDK's TaskNotFoundError and TaskNotCancelableError", async () => {
    const unknown = await client.getTask({ tenant: "", id: "no-such-task" }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(TaskNotFoundError);
    expect((unknown as Error).message).toContain('task "no-such-task" does not exist');

    const done = await send(client, textMessage("add 1 and 1"));
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const notCancelable = await client.cancelTask({ tenant: "", id: done.id, metadata: undefined }).catch((error: unknown) => error);
    expect(notCancelable).toBeInstanceOf(TaskNotCancelableError);
    expect((await client.getTask({ tenant: "", id: done.id })).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});
