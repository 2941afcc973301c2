import { Code, KledError } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AgentServiceClient, createAgentServiceClient, TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { Role, type TaskEvent, TaskState } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { createMcpServiceClient } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { AGENT_SERVICE_NAME, MCP_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

let cluster: ExampleCluster;
let agent: AgentServiceClient;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 2, agent: true });
  agent = createAgentServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
});
afterAll(() => cluster?.stop());

function submit(text: string, contextId = "") {
  return agent.createTask({ contextId, message: { role: Role.USER, parts: [{ part: { case: "text", value: text } }] } });
}

async function collect(taskId: string, afterSequence = 0n): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const { event } of agent.subscribeTask({ taskId, afterSequence }, { timeoutMs: 20_000 })) {
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

describe("example agent end to end", () => {
  it("runs a multi-step task over both MCP instances and streams numbered events", async () => {
    const published: TaskEvent[] = [];
    const subscription = await cluster.broker.subscribe(TaskEventTopic, (event) => {
      published.push(event);
    });
    const { task } = await submit("add 2 and 3, then multiply by 4, divide it by 8, uppercase 'hello kled', reverse it");
    expect(task?.status?.state).toBe(TaskState.SUBMITTED);
    expect(task?.lastSequence).toBe(1n);
    const id = task?.id ?? "";

    const events = await collect(id);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => BigInt(i + 1)));
    expect(events.every((e) => e.taskId === id && e.contextId === task?.contextId)).toBe(true);
    expect(states(events)).toEqual([
      "SUBMITTED",
      "WORKING", // planning with the discovered tools
      ...["step-1", "step-2", "step-3", "step-4", "step-5"].flatMap((step) => ["WORKING", `artifact:${step}`]),
      "artifact:answer",
      "COMPLETED",
    ]);
    const last = events.at(-1);
    expect(last?.event.case === "statusUpdate" && last.event.value.final).toBe(true);

    // Every committed event also went out on TaskEventTopic, through the outbox, in order.
    await vi.waitFor(() => expect(published.filter((e) => e.taskId === id)).toHaveLength(events.length), { timeout: 5_000 });
    expect(published.filter((e) => e.taskId === id)).toEqual(events);
    await subscription.close();

    const { task: done } = await agent.getTask({ id });
    const answer = done?.artifacts.find((a) => a.artifactId === "answer");
    expect(answer?.parts[0]?.part).toEqual({
      case: "text",
      value: '1. add 2 and 3 → 5\n2. multiply by 4 → 20\n3. divide it by 8 → 2.5\n4. uppercase "hello kled" → "HELLO KLED"\n5. reverse it → "DELK OLLEH"',
    });
    expect(answer?.parts[1]?.part).toEqual({ case: "data", value: { results: [5, 20, 2.5, "HELLO KLED", "DELK OLLEH"] } });

    // Round-robin spread the five calls over both instances.
    for (const service of cluster.mcp) {
      const mcp = createMcpServiceClient(cluster.client, { service: MCP_SERVICE_NAME, address: service.address ?? "" });
      const { contents } = await mcp.readResource({ uri: "kled://stats" });
      const text = contents[0]?.contents.case === "text" ? contents[0].contents.value.text : "{}";
      expect((JSON.parse(text) as { toolCalls: number }).toolCalls).toBeGreaterThan(0);
    }

    // Resuming after a sequence replays only what came later, and ends after the final event.
    const resumed = await collect(id, 10n);
    expect(resumed.map((e) => e.sequence)).toEqual(events.slice(10).map((e) => e.sequence));
    expect(await collect(id, BigInt(events.length))).toEqual([]);
    expect((await rejection(collect(id, 999n))).code).toBe(Code.OutOfRange);

    const { task: trimmed } = await agent.getTask({ id, historyLength: 1 });
    expect(trimmed?.history).toHaveLength(1);
    expect(trimmed?.history[0]?.role).toBe(Role.AGENT);
  });

  it("fails a task whose tool fails, and rejects one it cannot plan", async () => {
    const failing = await submit("divide 1 by 0, then add 1");
    const failed = await collect(failing.task?.id ?? "");
    const end = failed.at(-1);
    expect(end?.event.case === "statusUpdate" && end.event.value.status?.state).toBe(TaskState.FAILED);
    const message = end?.event.case === "statusUpdate" ? end.event.value.status?.message?.parts[0]?.part : undefined;
    expect(message).toEqual({
      case: "text",
      value: 'step 1 (divide) failed: cannot divide 1 by zero: the divisor b must not be 0',
    });

    const nonsense = await submit("make me a sandwich");
    const rejected = await collect(nonsense.task?.id ?? "");
    expect(states(rejected)).toEqual(["SUBMITTED", "WORKING", "REJECTED"]);
  });

  it("refuses to cancel an ended or unknown task", async () => {
    const done = await submit("add 1 and 1");
    await collect(done.task?.id ?? "");
    const refused = await rejection(agent.cancelTask({ id: done.task?.id ?? "" }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.rawMessage).toMatch(/has already ended \(COMPLETED\)/);
    expect((await rejection(agent.cancelTask({ id: "missing" }))).code).toBe(Code.NotFound);
  });

  it("lists tasks newest first, by context and state, in pages", async () => {
    const contextId = `ctx-${Date.now()}`;
    const ids: string[] = [];
    for (const text of ["add 1 and 2", "add 3 and 4", "make a wish"]) {
      const { task } = await submit(text, contextId);
      ids.push(task?.id ?? "");
      await collect(task?.id ?? "");
    }
    const first = await agent.listTasks({ contextId, pageSize: 2 });
    expect(first.tasks.map((t) => t.id)).toEqual([ids[2], ids[1]]);
    const second = await agent.listTasks({ contextId, pageSize: 2, pageToken: first.nextPageToken });
    expect(second.tasks.map((t) => t.id)).toEqual([ids[0]]);
    expect(second.nextPageToken).toBe("");
    const completed = await agent.listTasks({ contextId, states: [TaskState.COMPLETED] });
    expect(completed.tasks.map((t) => t.id)).toEqual([ids[1], ids[0]]);
    expect((await rejection(agent.listTasks({ pageToken: "bogus" }))).code).toBe(Code.InvalidArgument);
  });

  it("describes itself and validates requests", async () => {
    const { card } = await agent.getAgentCard({});
    expect(card?.capabilities?.streaming).toBe(true);
    expect(card?.skills.map((s) => s.id)).toEqual(["arithmetic", "text", "key-value"]);
    expect((await rejection(agent.createTask({}))).code).toBe(Code.InvalidArgument);
    expect((await rejection(agent.getTask({ id: "nope" }))).code).toBe(Code.NotFound);
  });
});
