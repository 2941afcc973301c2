import { Code, KledError } from "@kled/runtime";
import { Role, type Task, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { a2aErrorInfo } from "@kled/runtime/a2a";
import { exampleAgentCard } from "../../examples/src/agent/agent-card.js";
import { type AgentServiceClient, createAgentServiceClient, TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import type { TaskEvent } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { type A2AServiceClient, createA2AServiceClient } from "../../examples/src/gen/lf/a2a/v1/a2a_kled.js";
import { createMcpServiceClient } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { AGENT_SERVICE_NAME, MCP_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

let cluster: ExampleCluster;
let agent: AgentServiceClient;
let a2a: A2AServiceClient;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 2, agent: true });
  agent = createAgentServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
  a2a = createA2AServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
});
afterAll(() => cluster?.stop());

/** Sends `text` and returns the task; blocking (the default) answers once it ended or waits for input. */
async function send(text: string, options: { contextId?: string; taskId?: string; returnImmediately?: boolean } = {}): Promise<Task> {
  const response = await a2a.sendMessage(
    {
      message: {
        messageId: crypto.randomUUID(),
        role: Role.USER,
        contextId: options.contextId ?? "",
        taskId: options.taskId ?? "",
        parts: [{ content: { case: "text", value: text } }],
      },
      configuration: { returnImmediately: options.returnImmediately ?? false },
    },
    { timeoutMs: 20_000 },
  );
  if (response.payload.case !== "task") throw new Error(`SendMessage answered ${response.payload.case ?? "nothing"}, not a task`);
  return response.payload.value;
}

async function collect(taskId: string, afterSequence = 0n): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const { event } of agent.subscribeTaskEvents({ taskId, afterSequence }, { timeoutMs: 20_000 })) {
    if (event !== undefined) events.push(event);
  }
  return events;
}

function states(events: readonly TaskEvent[]): string[] {
  return events.map((e) =>
    e.event.case === "statusUpdate" ? TaskState[e.event.value.status?.state ?? 0] ?? "?" : `artifact:${e.event.value?.artifact?.artifactId ?? ""}`,
  );
}

async function rejection(call: Promise<unknown>): Promise<KledError> {
  const error: unknown = await call.then(() => new Error("the call succeeded"), (e: unknown) => e);
  if (!(error instanceof KledError)) throw error;
  return error;
}

describe("example agent end to end (Kled's generated clients)", () => {
  it("runs a multi-step task over both MCP instances; SendMessage waits for the end; events are numbered and published", async () => {
    const published: TaskEvent[] = [];
    const subscription = await cluster.broker.subscribe(TaskEventTopic, (event) => {
      published.push(event);
    });
    const task = await send("add 2 and 3, then multiply by 4, divide it by 8, uppercase 'hello kled', reverse it");
    expect(task.status?.state).toBe(TaskState.COMPLETED);
    expect(task.contextId).not.toBe("");
    const answer = task.artifacts.find((a) => a.artifactId === "answer");
    expect(answer?.parts[0]?.content).toEqual({
      case: "text",
      value: '1. add 2 and 3 → 5\n2. multiply by 4 → 20\n3. divide it by 8 → 2.5\n4. uppercase "hello kled" → "HELLO KLED"\n5. reverse it → "DELK OLLEH"',
    });
    expect(task.history[0]?.role).toBe(Role.USER);

    const events = await collect(task.id);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => BigInt(i + 1)));
    expect(events.every((e) => e.taskId === task.id && e.contextId === task.contextId)).toBe(true);
    expect(states(events)).toEqual([
      "SUBMITTED",
      "WORKING", // planning with the discovered tools
      ...["step-1", "step-2", "step-3", "step-4", "step-5"].flatMap((step) => ["WORKING", `artifact:${step}`]),
      "artifact:answer",
      "COMPLETED",
    ]);

    // Every committed event also went out on TaskEventTopic, through the outbox, in order.
    await vi.waitFor(() => expect(published.filter((e) => e.taskId === task.id)).toHaveLength(events.length), { timeout: 5_000 });
    expect(published.filter((e) => e.taskId === task.id)).toEqual(events);
    await subscription.close();

    // Round-robin spread the five calls over both instances.
    for (const service of cluster.mcp) {
      const mcp = createMcpServiceClient(cluster.client, { service: MCP_SERVICE_NAME, address: service.address ?? "" });
      const { contents } = await mcp.readResource({ uri: "kled://stats" });
      const text = contents[0]?.contents.case === "text" ? contents[0].contents.value.text : "{}";
      expect((JSON.parse(text) as { toolCalls: number }).toolCalls).toBeGreaterThan(0);
    }

    // Resuming after a sequence replays only what came later, and ends after the final event.
    const resumed = await collect(task.id, 10n);
    expect(resumed.map((e) => e.sequence)).toEqual(events.slice(10).map((e) => e.sequence));
    expect(await collect(task.id, BigInt(events.length))).toEqual([]);
    expect((await rejection(collect(task.id, 999n))).code).toBe(Code.OutOfRange);

    const trimmed = await a2a.getTask({ id: task.id, historyLength: 1 });
    expect(trimmed.history).toHaveLength(1);
    expect(trimmed.history[0]?.role).toBe(Role.AGENT);
    expect((await a2a.getTask({ id: task.id, historyLength: 0 })).history).toEqual([]);
  });

  it("returns at once when asked to, and streams a task to its end", async () => {
    const submitted = await send("add 1 and 1", { returnImmediately: true });
    expect([TaskState.SUBMITTED, TaskState.WORKING, TaskState.COMPLETED]).toContain(submitted.status?.state);
    expect(states(await collect(submitted.id)).at(-1)).toBe("COMPLETED");

    const kinds: string[] = [];
    for await (const item of a2a.sendStreamingMessage(
      { message: { messageId: "m-stream", role: Role.USER, parts: [{ content: { case: "text", value: "add 5 and 6" } }] } },
      { timeoutMs: 20_000 },
    )) {
      kinds.push(item.payload.case === "statusUpdate" ? `status:${TaskState[item.payload.value.status?.state ?? 0]}` : (item.payload.case ?? "?"));
    }
    expect(kinds[0]).toBe("task");
    expect(kinds.at(-1)).toBe("status:COMPLETED");
    expect(kinds).toContain("artifactUpdate");
  });

  it("asks for a missing key (INPUT_REQUIRED) and finishes with the reply", async () => {
    const waiting = await send("multiply 6 by 7, store the result");
    expect(waiting.status?.state).toBe(TaskState.INPUT_REQUIRED);
    const question = waiting.status?.message?.parts[0]?.content;
    expect(question?.case === "text" && question.value).toMatch(/^Under which key should I store the result of step 2/);

    const again = await send("not a key!", { taskId: waiting.id });
    expect(again.status?.state).toBe(TaskState.INPUT_REQUIRED);
    const twice = again.status?.message?.parts[0]?.content;
    expect(twice?.case === "text" && twice.value).toMatch(/^"not a key!" is not a key/);

    const done = await send("answer", { taskId: waiting.id, contextId: waiting.contextId });
    expect(done.status?.state).toBe(TaskState.COMPLETED);
    expect(done.history.filter((m) => m.role === Role.USER)).toHaveLength(3);
    const events = await collect(waiting.id);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => BigInt(i + 1)));
    // The first step ran once: resuming recovered it from its artifact.
    expect(states(events).filter((s) => s === "artifact:step-1")).toHaveLength(1);

    const refused = await rejection(send("more", { taskId: waiting.id }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(a2aErrorInfo(refused)?.reason).toBe("UNSUPPORTED_OPERATION");
  });

  it("answers with A2A errors: unknown task, ended task, wrong content, bad input", async () => {
    const unknown = await rejection(a2a.getTask({ id: "missing" }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(a2aErrorInfo(unknown)).toEqual({ reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org", metadata: { taskId: "missing" } });
    expect(a2aErrorInfo(await rejection(a2a.cancelTask({ id: "missing" })))?.reason).toBe("TASK_NOT_FOUND");
    expect(a2aErrorInfo(await rejection(send("add 1", { taskId: "missing" })))?.reason).toBe("TASK_NOT_FOUND");

    const done = await send("add 1 and 1");
    const refused = await rejection(a2a.cancelTask({ id: done.id }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.rawMessage).toMatch(/has already ended \(COMPLETED\)/);
    expect(a2aErrorInfo(refused)?.reason).toBe("TASK_NOT_CANCELABLE");
    const ended = await rejection(collectStream(a2a.subscribeToTask({ id: done.id })));
    expect(a2aErrorInfo(ended)?.reason).toBe("UNSUPPORTED_OPERATION");

    const image = await rejection(
      a2a.sendMessage({ message: { role: Role.USER, parts: [{ content: { case: "raw", value: new Uint8Array([1]) }, mediaType: "image/png" }] } }),
    );
    expect(image.code).toBe(Code.InvalidArgument);
    expect(a2aErrorInfo(image)?.reason).toBe("CONTENT_TYPE_NOT_SUPPORTED");
    const output = await rejection(
      a2a.sendMessage({
        message: { role: Role.USER, parts: [{ content: { case: "text", value: "add 1 and 2" } }] },
        configuration: { acceptedOutputModes: ["image/png"] },
      }),
    );
    expect(a2aErrorInfo(output)?.reason).toBe("CONTENT_TYPE_NOT_SUPPORTED");

    expect((await rejection(a2a.sendMessage({}))).rawMessage).toMatch(/^message is missing/);
    expect((await rejection(a2a.sendMessage({ message: { role: Role.USER } }))).rawMessage).toMatch(/^message.parts is empty/);
    expect((await rejection(a2a.sendMessage({ message: { role: Role.AGENT, parts: [{ content: { case: "text", value: "x" } }] } }))).rawMessage).toMatch(
      /^message.role is AGENT/,
    );
    expect(
      (await rejection(a2a.sendMessage({ message: { role: Role.USER, parts: [{ content: { case: "text", value: " " } }] } }))).rawMessage,
    ).toMatch(/^message has no text/);
    const extended = await rejection(a2a.getExtendedAgentCard({}));
    expect(a2aErrorInfo(extended)?.reason).toBe("UNSUPPORTED_OPERATION");
  });

  it("fails a task whose tool fails, and rejects one it cannot plan", async () => {
    const failed = await send("divide 1 by 0, then add 1");
    expect(failed.status?.state).toBe(TaskState.FAILED);
    expect(failed.status?.message?.parts[0]?.content).toEqual({
      case: "text",
      value: "step 1 (divide) failed: cannot divide 1 by zero: the divisor b must not be 0",
    });
    const rejected = await send("make me a sandwich");
    expect(states(await collect(rejected.id))).toEqual(["SUBMITTED", "WORKING", "REJECTED"]);
  });

  it("lists tasks by latest status first, filtered and paged, with totals", async () => {
    const contextId = `ctx-${Date.now()}`;
    const ids: string[] = [];
    for (const text of ["add 1 and 2", "add 3 and 4", "make a wish"]) ids.push((await send(text, { contextId })).id);
    const first = await a2a.listTasks({ contextId, pageSize: 2 });
    expect(first.tasks.map((t) => t.id)).toEqual([ids[2], ids[1]]);
    expect(first.totalSize).toBe(3);
    expect(first.tasks.every((t) => t.artifacts.length === 0)).toBe(true);
    const second = await a2a.listTasks({ contextId, pageSize: 2, pageToken: first.nextPageToken });
    expect(second.tasks.map((t) => t.id)).toEqual([ids[0]]);
    expect(second.nextPageToken).toBe("");
    const completed = await a2a.listTasks({ contextId, status: TaskState.COMPLETED, includeArtifacts: true, historyLength: 0 });
    expect(completed.tasks.map((t) => t.id)).toEqual([ids[1], ids[0]]);
    expect(completed.tasks[0]?.artifacts.length).toBeGreaterThan(0);
    expect(completed.tasks[0]?.history).toEqual([]);
    const later = await a2a.listTasks({ contextId, statusTimestampAfter: { seconds: BigInt(Math.floor(Date.now() / 1000) + 60) } });
    expect(later).toMatchObject({ tasks: [], totalSize: 0, nextPageToken: "" });
    expect((await rejection(a2a.listTasks({ pageToken: "bogus" }))).code).toBe(Code.InvalidArgument);
    expect((await rejection(a2a.listTasks({ pageSize: 0 }))).code).toBe(Code.InvalidArgument);
  });

  it("keeps push notification configs per task", async () => {
    const task = await send("add 2 and 2", { returnImmediately: true });
    const created = await a2a.createTaskPushNotificationConfig({ taskId: task.id, url: "https://client.example/hook", token: "t0" });
    expect(created.id).not.toBe("");
    const named = await a2a.createTaskPushNotificationConfig({ taskId: task.id, id: "mine", url: "http://127.0.0.1:9/hook" });
    expect(await a2a.getTaskPushNotificationConfig({ taskId: task.id, id: "mine" })).toEqual(named);
    const page = await a2a.listTaskPushNotificationConfigs({ taskId: task.id, pageSize: 1 });
    expect(page.configs.map((c) => c.id)).toEqual([created.id]);
    const rest = await a2a.listTaskPushNotificationConfigs({ taskId: task.id, pageToken: page.nextPageToken });
    expect(rest).toMatchObject({ configs: [{ id: "mine" }], nextPageToken: "" });
    await a2a.deleteTaskPushNotificationConfig({ taskId: task.id, id: "mine" });
    await a2a.deleteTaskPushNotificationConfig({ taskId: task.id, id: "mine" });
    expect(a2aErrorInfo(await rejection(a2a.getTaskPushNotificationConfig({ taskId: task.id, id: "mine" })))?.reason).toBe("TASK_NOT_FOUND");
    expect((await rejection(a2a.createTaskPushNotificationConfig({ taskId: task.id, url: "ftp://x" }))).rawMessage).toMatch(
      /^config.url: webhook URL ftp:\/\/x\/: scheme ftp: is not allowed; use http or https/,
    );
    expect(a2aErrorInfo(await rejection(a2a.createTaskPushNotificationConfig({ taskId: "missing", url: "https://x.example" })))?.reason).toBe(
      "TASK_NOT_FOUND",
    );

    // A config sent with the message is stored with the new task.
    const withHook = await a2a.sendMessage({
      message: { role: Role.USER, parts: [{ content: { case: "text", value: "add 3 and 3" } }] },
      configuration: { returnImmediately: true, taskPushNotificationConfig: { url: "https://client.example/hook2" } },
    });
    const id = withHook.payload.case === "task" ? withHook.payload.value.id : "";
    const configs = (await a2a.listTaskPushNotificationConfigs({ taskId: id })).configs;
    expect(configs.map((c) => [c.taskId, c.url])).toEqual([[id, "https://client.example/hook2"]]);
  });

  it("describes itself: A2A 1.0 over gRPC at its own address", async () => {
    const { card } = await agent.getAgentCard({});
    expect(card?.supportedInterfaces).toEqual([
      expect.objectContaining({ url: cluster.agent?.address, protocolBinding: "GRPC", protocolVersion: "1.0" }),
    ]);
    expect(card?.capabilities).toMatchObject({ streaming: true, pushNotifications: true, extendedAgentCard: false });
    expect(card?.securitySchemes).toEqual({});
    expect(card?.skills.map((s) => s.id)).toEqual(["arithmetic", "text", "key-value"]);
    // An agent that enforces JWT bearer tokens (main.ts with KLED_AUTH_*) declares the scheme and requires it.
    const guarded = exampleAgentCard({ version: "1", address: "127.0.0.1:1", bearerAuth: true });
    expect(guarded.securitySchemes).toEqual({
      bearer: { scheme: { case: "httpAuthSecurityScheme", value: expect.objectContaining({ scheme: "Bearer", bearerFormat: "JWT" }) } },
    });
    expect(guarded.securityRequirements).toEqual([{ schemes: { bearer: { list: [] } } }]);
  });
});

async function collectStream(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of stream) items.push(item);
  return items;
}
