import { create } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import { describe, expect, it } from "vitest";
import { MemoryTaskStore } from "../../examples/src/agent/memory-task-store.js";
import { statusChange } from "../../examples/src/agent/task-model.js";
import { TaskSchema, TaskState } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";

async function storeWithTasks(count: number, contextOf = (i: number) => `ctx-${i % 2}`): Promise<MemoryTaskStore> {
  const store = new MemoryTaskStore();
  for (let i = 0; i < count; i++) {
    const task = create(TaskSchema, { id: `t${i}`, contextId: contextOf(i) });
    await store.create(task);
    await store.append(task.id, statusChange(task, TaskState.SUBMITTED));
  }
  return store;
}

describe("MemoryTaskStore", () => {
  it("numbers events from 1 without gaps and applies them to the task", async () => {
    const store = await storeWithTasks(1);
    const task = { id: "t0", contextId: "ctx-0" };
    await store.append("t0", statusChange(task, TaskState.WORKING, "busy"));
    const last = await store.append("t0", statusChange(task, TaskState.COMPLETED, "done"));
    expect(last.sequence).toBe(3n);
    expect((await store.events("t0", 0n)).map((e) => e.sequence)).toEqual([1n, 2n, 3n]);
    expect((await store.events("t0", 2n)).map((e) => e.sequence)).toEqual([3n]);
    const stored = await store.get("t0");
    expect(stored?.status?.state).toBe(TaskState.COMPLETED);
    expect(stored?.lastSequence).toBe(3n);
    expect(stored?.history.length).toBe(2); // the two agent messages
  });

  it("refuses events after the final one", async () => {
    const store = await storeWithTasks(1);
    await store.append("t0", statusChange({ id: "t0", contextId: "" }, TaskState.CANCELED));
    await expect(store.append("t0", statusChange({ id: "t0", contextId: "" }, TaskState.WORKING))).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
  });

  it("lists newest first in pages, filtered, and refuses bad tokens", async () => {
    const store = await storeWithTasks(5);
    const first = await store.list({ contextId: "", states: [], pageSize: 2, pageToken: "" });
    expect(first.tasks.map((t) => t.id)).toEqual(["t4", "t3"]);
    const second = await store.list({ contextId: "", states: [], pageSize: 2, pageToken: first.nextPageToken });
    expect(second.tasks.map((t) => t.id)).toEqual(["t2", "t1"]);
    const third = await store.list({ contextId: "", states: [], pageSize: 2, pageToken: second.nextPageToken });
    expect(third).toMatchObject({ tasks: [{ id: "t0" }], nextPageToken: "" });

    const ctx = await store.list({ contextId: "ctx-1", states: [TaskState.SUBMITTED], pageSize: 10, pageToken: "" });
    expect(ctx.tasks.map((t) => t.id)).toEqual(["t3", "t1"]);
    expect((await store.list({ contextId: "", states: [TaskState.COMPLETED], pageSize: 10, pageToken: "" })).tasks).toEqual([]);

    await expect(store.list({ contextId: "", states: [], pageSize: 2, pageToken: "nonsense" })).rejects.toSatisfy(
      (e: unknown) => e instanceof KledError && e.code === Code.InvalidArgument && e.rawMessage.startsWith('page_token "nonsense"'),
    );
    await expect(store.list({ contextId: "ctx-0", states: [], pageSize: 2, pageToken: first.nextPageToken })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it("hands out copies", async () => {
    const store = await storeWithTasks(1);
    const copy = await store.get("t0");
    if (copy === undefined) throw new Error("no task");
    copy.contextId = "changed";
    expect((await store.get("t0"))?.contextId).toBe("ctx-0");
  });
});
