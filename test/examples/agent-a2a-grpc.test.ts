/**
 * Interop: the example agent driven by a client we did not write, the
 * official @a2a-js/sdk, unmodified, over its gRPC transport straight to the
 * agent's address (the client is built from the card the agent serves on
 * kled.agent.v1.AgentService/GetAgentCard; no HTTP involved).
 */
import { toJson } from "@bufbuild/protobuf";
import { AgentCardSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { type Client, ClientFactory } from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import { TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Planner } from "../../examples/src/agent/planner.js";
import { RulePlanner } from "../../examples/src/agent/rule-planner.js";
import { createAgentServiceClient } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { AGENT_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

type AgentCard = Parameters<ClientFactory["createFromAgentCard"]>[0];
type SendParams = Parameters<Client["sendMessage"]>[0];
type StreamItem = Awaited<ReturnType<ReturnType<Client["sendMessageStream"]>["next"]>>["value"];

// The SDK's numbers for its enums (the proto's, which it re-declares).
const ROLE_USER = 1;
const COMPLETED = 3;
const CANCELED = 5;
const INPUT_REQUIRED = 6;
const WORKING = 2;

/**
 * Holds a task before its second step while `gate` is set, so that the test
 * can drop a stream and resubscribe while the task is surely running.
 */
let gate: Promise<void> | undefined;
const rules: Planner = new RulePlanner();
const gated: Planner = {
  async next(state, signal) {
    if (state.steps.length === 1 && gate !== undefined) await gate;
    return rules.next(state, signal);
  },
};

let cluster: ExampleCluster;
let client: Client;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: true, planner: gated });
  const { card } = await createAgentServiceClient(cluster.client, { service: AGENT_SERVICE_NAME }).getAgentCard({});
  if (card === undefined) throw new Error("the agent served no card");
  // The card as its proto JSON; the SDK normalizes that shape itself.
  const json = toJson(AgentCardSchema, card) as unknown as AgentCard;
  client = await new ClientFactory({ transports: [new GrpcTransportFactory()] }).createFromAgentCard(json);
});
afterAll(() => cluster?.stop());

/** A SendMessage request, every field spelled out: the SDK's encoder (ts-proto) expects them all. */
function message(text: string, extra: { taskId?: string } = {}): SendParams {
  return {
    tenant: "",
    message: {
      messageId: crypto.randomUUID(),
      contextId: "",
      taskId: extra.taskId ?? "",
      role: ROLE_USER,
      parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" }],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: { acceptedOutputModes: ["text/plain"], taskPushNotificationConfig: undefined, returnImmediately: false },
    metadata: undefined,
  };
}

async function task(text: string, extra: { taskId?: string } = {}) {
  const result = await client.sendMessage(message(text, extra));
  if (!("status" in result)) throw new Error("the agent answered with a message, not a task");
  return result;
}

function describeItem(item: StreamItem): string {
  const payload = item?.payload;
  if (payload?.$case === "statusUpdate") return `status:${payload.value.status?.state ?? "?"}`;
  return payload?.$case ?? "?";
}

describe("the example agent with @a2a-js/sdk over gRPC", () => {
  it("sends a message and gets the completed task, then reads and lists it", async () => {
    const done = await task("add 2 and 3, then multiply by 4");
    expect(done.status?.state).toBe(COMPLETED);
    const answer = done.artifacts.find((artifact) => artifact.artifactId === "answer");
    expect(answer?.parts[0]?.content).toEqual({ $case: "text", value: "1. add 2 and 3 → 5\n2. multiply by 4 → 20" });

    const read = await client.getTask({ tenant: "", id: done.id, historyLength: 1 });
    expect(read.id).toBe(done.id);
    expect(read.history).toHaveLength(1);
    const listed = await client.listTasks({ tenant: "", contextId: done.contextId, status: 0, pageToken: "", statusTimestampAfter: undefined });
    expect(listed.tasks.map((t) => t.id)).toEqual([done.id]);
    expect(listed.totalSize).toBe(1);
  });

  it("streams a message to completion", async () => {
    const items: string[] = [];
    for await (const item of client.sendMessageStream(message("uppercase 'kled', then reverse it"))) items.push(describeItem(item));
    expect(items[0]).toBe("task");
    expect(items.filter((item) => item === "artifactUpdate")).toHaveLength(3); // two steps and the answer
    expect(items.at(-1)).toBe(`status:${COMPLETED}`);
  });

  it("resubscribes after dropping a stream, and follows the task to its end", async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    let taskId = "";
    const stream = client.sendMessageStream(message("add 1 and 2, then add 3"));
    for await (const item of stream) {
      if (item?.payload?.$case === "task") taskId = item.payload.value.id;
      if (item?.payload?.$case === "artifactUpdate") break; // the first step is done; the task waits at the gate
    }
    const resumed = client.resubscribeTask({ tenant: "", id: taskId })[Symbol.asyncIterator]();
    const first = await resumed.next();
    expect(first.value?.payload?.$case === "task" && first.value.payload.value.status?.state).toBe(WORKING);
    gate = undefined;
    open();
    const rest: string[] = [];
    for (let next = await resumed.next(); next.done !== true; next = await resumed.next()) rest.push(describeItem(next.value));
    expect(rest.at(-1)).toBe(`status:${COMPLETED}`);
    expect((await client.getTask({ tenant: "", id: taskId })).status?.state).toBe(COMPLETED);
  });

  it("asks for input, continues with the follow-up message, and cancels a waiting task", async () => {
    const waiting = await task("multiply 6 by 7, store the result");
    expect(waiting.status?.state).toBe(INPUT_REQUIRED);
    expect(waiting.status?.message?.parts[0]?.content).toMatchObject({ $case: "text", value: expect.stringMatching(/^Under which key/) });
    const done = await task("sdk_answer", { taskId: waiting.id });
    expect(done.status?.state).toBe(COMPLETED);
    expect(done.history.filter((m) => m.role === ROLE_USER)).toHaveLength(2);

    const another = await task("add 1 and 1, store it");
    const canceled = await client.cancelTask({ tenant: "", id: another.id, metadata: undefined });
    expect(canceled.status?.state).toBe(CANCELED);
  });

  it("creates, reads, lists and deletes push notification configs", async () => {
    const { id: taskId } = await task("add 4 and 4");
    const created = await client.createTaskPushNotificationConfig({
      tenant: "",
      taskId,
      id: "",
      url: "https://client.example/webhook",
      token: "secret-ish",
      authentication: undefined,
    });
    expect(created.id).not.toBe("");
    expect(created.url).toBe("https://client.example/webhook");
    const read = await client.getTaskPushNotificationConfig({ tenant: "", taskId, id: created.id });
    expect(read.token).toBe("secret-ish");
    const listed = await client.listTaskPushNotificationConfig({ tenant: "", taskId, pageSize: 0, pageToken: "" });
    expect(listed.configs.map((config) => config.id)).toEqual([created.id]);
    await client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: created.id });
    expect((await client.listTaskPushNotificationConfig({ tenant: "", taskId, pageSize: 0, pageToken: "" })).configs).toEqual([]);
  });

  it("raises the SDK's own errors: TaskNotFoundError, TaskNotCancelableError, UnsupportedOperationError", async () => {
    const unknown = await client.getTask({ tenant: "", id: "no-such-task" }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(TaskNotFoundError);
    expect((unknown as Error).message).toContain('task "no-such-task" does not exist');

    const done = await task("add 1 and 1");
    const notCancelable = await client.cancelTask({ tenant: "", id: done.id, metadata: undefined }).catch((e: unknown) => e);
    expect(notCancelable).toBeInstanceOf(TaskNotCancelableError);

    const ended = await task("more", { taskId: done.id }).catch((e: unknown) => e);
    expect(ended).toBeInstanceOf(UnsupportedOperationError);
  });
});
