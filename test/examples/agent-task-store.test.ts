import { create } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import { Outbox, OutboxMessageSchema, withTransaction } from "@kled/runtime/mikro-orm";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryTaskStore } from "../../examples/src/agent/memory-task-store.js";
import { MikroOrmTaskStore } from "../../examples/src/agent/mikro-orm-task-store.js";
import { TaskEventRecordSchema, TaskRecordSchema } from "../../examples/src/agent/task-entities.js";
import { statusChange } from "../../examples/src/agent/task-model.js";
import type { TaskStore } from "../../examples/src/agent/task-store.js";
import { TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { TaskSchema, TaskState } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { requirePostgres } from "../support/services.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";

const postgres = await requirePostgres();
const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const db of opened) await db.cleanup();
});

/** A fresh store of each kind; the database ones on a database of their own. */
const kinds: Array<{ name: string; skip: string | undefined; open(): Promise<{ store: TaskStore; db?: TestDatabase }> }> = [
  { name: "MemoryTaskStore", skip: undefined, open: async () => ({ store: new MemoryTaskStore() }) },
  { name: "MikroOrmTaskStore on SQLite", skip: undefined, open: () => mikroOrmStore(undefined) },
  { name: "MikroOrmTaskStore on PostgreSQL", skip: postgres.skip, open: () => mikroOrmStore(postgres.url) },
];

async function mikroOrmStore(url: string | undefined): Promise<{ store: TaskStore; db: TestDatabase }> {
  const db = await openTestDatabase([TaskRecordSchema, TaskEventRecordSchema, OutboxMessageSchema], url);
  opened.push(db);
  return { store: new MikroOrmTaskStore(db.database, new Outbox()), db };
}

async function withTasks(store: TaskStore, count: number, contextOf = (i: number) => `ctx-${i % 2}`): Promise<TaskStore> {
  for (let i = 0; i < count; i++) {
    const task = create(TaskSchema, { id: `t${i}`, contextId: contextOf(i) });
    await store.create(task);
    await store.append(task.id, statusChange(task, TaskState.SUBMITTED));
  }
  return store;
}

describe.each(kinds)("$name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)("numbers events from 1 without gaps and applies them to the task", async () => {
    const store = await withTasks((await open()).store, 1);
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
    await expect(store.events("missing", 0n)).rejects.toMatchObject({ code: Code.NotFound });
    await expect(store.create(create(TaskSchema, { id: "t0" }))).rejects.toMatchObject({ code: Code.AlreadyExists });
  });

  it.skipIf(skip !== undefined)("refuses events after the final one", async () => {
    const store = await withTasks((await open()).store, 1);
    await store.append("t0", statusChange({ id: "t0", contextId: "" }, TaskState.CANCELED));
    await expect(store.append("t0", statusChange({ id: "t0", contextId: "" }, TaskState.WORKING))).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    await expect(store.append("nope", statusChange({ id: "nope", contextId: "" }, TaskState.WORKING))).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });

  it.skipIf(skip !== undefined)("lists newest first in pages, filtered, and refuses bad tokens", async () => {
    const store = await withTasks((await open()).store, 5);
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

  it.skipIf(skip !== undefined)("hands out copies", async () => {
    const store = await withTasks((await open()).store, 1);
    const copy = await store.get("t0");
    if (copy === undefined) throw new Error("no task");
    copy.contextId = "changed";
    expect((await store.get("t0"))?.contextId).toBe("ctx-0");
  });

  it.skipIf(skip !== undefined)("keeps sequences gap-free under concurrent appends, and lets only one writer end a task", async () => {
    const store = await withTasks((await open()).store, 1);
    const task = { id: "t0", contextId: "ctx-0" };
    const appended = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.append("t0", statusChange(task, TaskState.WORKING, `step ${i}`))),
    );
    expect(appended.map((e) => e.sequence).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 2)));
    expect((await store.events("t0", 0n)).map((e) => e.sequence)).toEqual(Array.from({ length: 41 }, (_, i) => BigInt(i + 1)));

    const enders = await Promise.allSettled(
      [TaskState.COMPLETED, TaskState.CANCELED, TaskState.FAILED, TaskState.CANCELED].map((state) => store.append("t0", statusChange(task, state))),
    );
    expect(enders.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    for (const outcome of enders) {
      if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: Code.FailedPrecondition });
    }
    expect((await store.get("t0"))?.lastSequence).toBe(42n);
  });
});

describe.each(kinds.slice(1))("$name and the outbox", ({ skip, open }) => {
  it.skipIf(skip !== undefined)("writes every appended event to the outbox, and nothing for a rolled-back one", async () => {
    const { store, db } = await open();
    if (db === undefined) throw new Error("no database");
    await withTasks(store, 1);
    await expect(
      withTransaction(db.database, async () => {
        await store.append("t0", statusChange({ id: "t0", contextId: "ctx-0" }, TaskState.WORKING, "undone"));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const rows = await db.database.fork().find(OutboxMessageSchema, {}, { orderBy: { id: "asc" } });
    expect(rows.map((row) => row.topic)).toEqual([TaskEventTopic.name]);
    expect((await store.get("t0"))?.lastSequence).toBe(1n);
  });
});
