import { Code, KledError } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Planner } from "../../examples/src/agent/planner.js";
import { RulePlanner } from "../../examples/src/agent/rule-planner.js";
import { Role, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { a2aErrorInfo } from "@kled/runtime/a2a";
import { type AgentServiceClient, createAgentServiceClient } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import type { SubscribeTaskEventsResponse, TaskEvent } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { type A2AServiceClient, createA2AServiceClient } from "../../examples/src/gen/lf/a2a/v1/a2a_kled.js";
import { AGENT_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

/**
 * Plans the first step like the RulePlanner, then waits until the task is
 * aborted: the task is reliably running when the test cancels or stops it.
 */
const rules: Planner = new RulePlanner();
const stallsAfterFirstStep: Planner = {
  next(state, signal) {
    if (state.steps.length === 0) return rules.next(state, signal);
    return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
  },
};

let cluster: ExampleCluster;
let agent: AgentServiceClient;
let a2a: A2AServiceClient;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: true, planner: stallsAfterFirstStep });
  agent = createAgentServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
  a2a = createA2AServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
});
afterAll(() => cluster?.stop());

/** Submits a task and reads its events until the first step's artifact: the task is now stalled. */
async function runningTask(): Promise<{ id: string; events: AsyncIterator<SubscribeTaskEventsResponse>; seen: TaskEvent[] }> {
  const sent = await a2a.sendMessage({
    message: { role: Role.USER, parts: [{ content: { case: "text", value: "add 1 and 2, add 3" } }] },
    configuration: { returnImmediately: true },
  });
  const id = sent.payload.case === "task" ? sent.payload.value.id : "";
  const events = agent.subscribeTaskEvents({ taskId: id }, { timeoutMs: 20_000 })[Symbol.asyncIterator]();
  const seen: TaskEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done === true || next.value.event === undefined) throw new Error("the stream ended early");
    seen.push(next.value.event);
    if (next.value.event.event.case === "artifactUpdate") return { id, events, seen };
  }
}

async function rest(events: AsyncIterator<SubscribeTaskEventsResponse>): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  for (let next = await events.next(); next.done !== true; next = await events.next()) {
    if (next.value.event !== undefined) out.push(next.value.event);
  }
  return out;
}

function finalState(events: readonly TaskEvent[]): TaskState | undefined {
  const last = events.at(-1);
  return last?.event.case === "statusUpdate" ? last.event.value.status?.state : undefined;
}

describe("cancelling and stopping agent tasks", () => {
  it("cancels a running task: CANCELED is the final event, and a canceled task is not cancelable again", async () => {
    const { id, events, seen } = await runningTask();
    const canceled = await a2a.cancelTask({ id });
    expect(canceled.status?.state).toBe(TaskState.CANCELED);
    const again = await a2a.cancelTask({ id }).then(() => undefined, (e: unknown) => e);
    expect(a2aErrorInfo(again)?.reason).toBe("TASK_NOT_CANCELABLE");

    const all = [...seen, ...(await rest(events))];
    expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(finalState(all)).toBe(TaskState.CANCELED);
    // The runner recorded nothing after the cancel.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const replayed = [];
    for await (const { event } of agent.subscribeTaskEvents({ taskId: id })) replayed.push(event);
    expect(replayed).toHaveLength(all.length);
    expect((await a2a.getTask({ id })).status?.state).toBe(TaskState.CANCELED);
  });

  it("fails running tasks when the agent stops, so subscribers get a final event", async () => {
    const { id, events, seen } = await runningTask();
    await cluster.stopAgentTasks();
    const all = [...seen, ...(await rest(events))];
    expect(finalState(all)).toBe(TaskState.FAILED);
    const task = await a2a.getTask({ id });
    expect(task.status?.message?.parts[0]?.content).toEqual({
      case: "text",
      value: "the agent stopped before the task finished; submit it again",
    });
    const error = await a2a.cancelTask({ id }).then(() => undefined, (e: unknown) => e);
    expect(error instanceof KledError && error.code).toBe(Code.FailedPrecondition);
    expect(a2aErrorInfo(error)?.reason).toBe("TASK_NOT_CANCELABLE");
  });
});
