import { Code, KledError } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Planner } from "../../examples/src/agent/planner.js";
import { RulePlanner } from "../../examples/src/agent/rule-planner.js";
import { type AgentServiceClient, createAgentServiceClient } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { Role, type SubscribeTaskResponse, type TaskEvent, TaskState } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
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

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: true, planner: stallsAfterFirstStep });
  agent = createAgentServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
});
afterAll(() => cluster?.stop());

/** Submits a task and reads its events until the first step's artifact: the task is now stalled. */
async function runningTask(): Promise<{ id: string; events: AsyncIterator<SubscribeTaskResponse>; seen: TaskEvent[] }> {
  const { task } = await agent.createTask({ message: { role: Role.USER, parts: [{ part: { case: "text", value: "add 1 and 2, add 3" } }] } });
  const id = task?.id ?? "";
  const events = agent.subscribeTask({ taskId: id }, { timeoutMs: 20_000 })[Symbol.asyncIterator]();
  const seen: TaskEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done === true || next.value.event === undefined) throw new Error("the stream ended early");
    seen.push(next.value.event);
    if (next.value.event.event.case === "artifactUpdate") return { id, events, seen };
  }
}

async function rest(events: AsyncIterator<SubscribeTaskResponse>): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  for (let next = await events.next(); next.done !== true; next = await events.next()) {
    if (next.value.event !== undefined) out.push(next.value.event);
  }
  return out;
}

function finalState(events: readonly TaskEvent[]): TaskState | undefined {
  const last = events.at(-1);
  return last?.event.case === "statusUpdate" && last.event.value.final ? last.event.value.status?.state : undefined;
}

describe("cancelling and stopping agent tasks", () => {
  it("cancels a running task: CANCELED is the final event, and cancelling again is harmless", async () => {
    const { id, events, seen } = await runningTask();
    const canceled = await agent.cancelTask({ id });
    expect(canceled.task?.status?.state).toBe(TaskState.CANCELED);
    const again = await agent.cancelTask({ id });
    expect(again.task?.status?.state).toBe(TaskState.CANCELED);
    expect(again.task?.lastSequence).toBe(canceled.task?.lastSequence);

    const all = [...seen, ...(await rest(events))];
    expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(finalState(all)).toBe(TaskState.CANCELED);
    // The runner recorded nothing after the cancel.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await agent.getTask({ id })).task?.lastSequence).toBe(BigInt(all.length));
  });

  it("fails running tasks when the agent stops, so subscribers get a final event", async () => {
    const { id, events, seen } = await runningTask();
    await cluster.stopAgentTasks();
    const all = [...seen, ...(await rest(events))];
    expect(finalState(all)).toBe(TaskState.FAILED);
    const { task } = await agent.getTask({ id });
    expect(task?.status?.message?.parts[0]?.part).toEqual({
      case: "text",
      value: "the agent stopped before the task finished; submit it again",
    });
    const error = await agent.cancelTask({ id }).then(() => undefined, (e: unknown) => e);
    expect(error instanceof KledError && error.code).toBe(Code.FailedPrecondition);
  });
});
