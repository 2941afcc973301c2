import { create } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import { Outbox, OutboxMessageSchema, withTransaction } from "@kled/runtime/mikro-orm";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryTaskStore } from "../../examples/src/agent/memory-task-store.js";
import { MikroOrmTaskStore } from "../../examples/src/agent/mikro-orm-task-store.js";
import { MemoryPushConfigStore } from "../../examples/src/agent/memory-push-config-store.js";
import { MikroOrmPushConfigStore } from "../../examples/src/agent/mikro-orm-push-config-store.js";
import type { PushConfigStore } from "../../examples/src/agent/push-config-store.js";
import { PushConfigRecordSchema, TaskEventRecordSchema, TaskRecordSchema } from "../../examples/src/agent/task-entities.js";
import { statusChange } from "../../examples/src/agent/task-model.js";
import { NO_OWNER, type TaskOwner } from "../../examples/src/agent/task-owner.js";
import type { TaskQuery, TaskStore } from "../../examples/src/agent/task-store.js";
import { TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { TaskPushNotificationConfigSchema, TaskSchema, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
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

async function withTasks(
  store: TaskStore,
  count: number,
  contextOf = (i: number) => `ctx-${i % 2}`,
  ownerOf = (_i: number): TaskOwner => NO_OWNER,
): Promise<TaskStore> {
  for (let i = 0; i < count; i++) {
    const task = create(TaskSchema, { id: `t${i}`, contextId: contextOf(i) });
    const change = statusChange(task, TaskState.SUBMITTED);
    // Distinct status times, one second apart, oldest first: the listing order does not hang on the clock.
    if (change.case === "statusUpdate" && change.value.status !== undefined) change.value.status.timestamp = { $typeName: "google.protobuf.Timestamp", seconds: BigInt(1_000 + i), nanos: 0 };
    await store.create(task, change, ownerOf(i));
  }
  return store;
}

function query(overrides: Partial<TaskQuery> = {}): TaskQuery {
  return { owner: NO_OWNER, contextId: "", state: TaskState.UNSPECIFIED, statusAfterMs: undefined, pageSize: 10, pageToken: "", ...overrides };
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
    expect(stored?.task.status?.state).toBe(TaskState.COMPLETED);
    expect(stored?.lastSequence).toBe(3n);
    expect(stored?.task.history.length).toBe(2); // the two agent messages
    await expect(store.events("missing", 0n)).rejects.toMatchObject({ code: Code.NotFound });
    await expect(store.create(create(TaskSchema, { id: "t0" }), statusChange(task, TaskState.SUBMITTED), NO_OWNER)).rejects.toMatchObject({ code: Code.AlreadyExists });
  });

  it.skipIf(skip !== undefined)("records a change only from the states it is allowed from", async () => {
    const store = await withTasks((await open()).store, 1);
    const task = { id: "t0", contextId: "ctx-0" };
    await expect(store.append("t0", statusChange(task, TaskState.WORKING), { from: [TaskState.INPUT_REQUIRED] })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: "task t0 is SUBMITTED, not INPUT_REQUIRED",
    });
    await store.append("t0", statusChange(task, TaskState.INPUT_REQUIRED, "which key?"));
    const resumed = await store.append("t0", statusChange(task, TaskState.WORKING), { from: [TaskState.INPUT_REQUIRED] });
    expect(resumed.sequence).toBe(3n);
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

  it.skipIf(skip !== undefined)("lists by latest status first in pages, filtered, with totals, and refuses bad tokens", async () => {
    const store = await withTasks((await open()).store, 5);
    const first = await store.list(query({ pageSize: 2 }));
    expect(first.tasks.map((t) => t.id)).toEqual(["t4", "t3"]);
    expect(first.totalSize).toBe(5);
    const second = await store.list(query({ pageSize: 2, pageToken: first.nextPageToken }));
    expect(second.tasks.map((t) => t.id)).toEqual(["t2", "t1"]);
    const third = await store.list(query({ pageSize: 2, pageToken: second.nextPageToken }));
    expect(third).toMatchObject({ tasks: [{ id: "t0" }], nextPageToken: "", totalSize: 5 });

    // A status change moves a task to the front.
    await store.append("t1", statusChange({ id: "t1", contextId: "ctx-1" }, TaskState.COMPLETED));
    expect((await store.list(query({ pageSize: 1 }))).tasks.map((t) => t.id)).toEqual(["t1"]);

    const ctx = await store.list(query({ contextId: "ctx-1", state: TaskState.SUBMITTED }));
    expect(ctx).toMatchObject({ tasks: [{ id: "t3" }], totalSize: 1 });
    expect((await store.list(query({ state: TaskState.FAILED }))).tasks).toEqual([]);
    const after = await store.list(query({ statusAfterMs: 1_002_000 }));
    expect(after.tasks.map((t) => t.id)).toEqual(["t1", "t4", "t3"]);

    await expect(store.list(query({ pageSize: 2, pageToken: "nonsense" }))).rejects.toSatisfy(
      (e: unknown) => e instanceof KledError && e.code === Code.InvalidArgument && e.rawMessage.startsWith('page_token "nonsense"'),
    );
    await expect(store.list(query({ contextId: "ctx-0", pageSize: 2, pageToken: first.nextPageToken }))).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it.skipIf(skip !== undefined)("scopes get, list, totals and pages to the task's owner", async () => {
    const alice: TaskOwner = { domain: "acme", subject: "alice" };
    const bob: TaskOwner = { domain: "acme", subject: "bob" };
    // The same subject in another domain is another owner.
    const otherAlice: TaskOwner = { domain: "globex", subject: "alice" };
    const owners = [alice, bob, alice, otherAlice, alice, NO_OWNER, bob];
    const store = await withTasks((await open()).store, owners.length, undefined, (i) => owners[i] ?? NO_OWNER);

    expect((await store.get("t0", alice))?.owner).toEqual(alice);
    expect(await store.get("t0", bob)).toBeUndefined();
    expect(await store.get("t0", otherAlice)).toBeUndefined();
    expect(await store.get("t0", NO_OWNER)).toBeUndefined();
    expect(await store.get("t5", alice)).toBeUndefined();
    expect((await store.get("t5", NO_OWNER))?.owner).toEqual(NO_OWNER);
    // The agent's own reads see every task.
    expect((await store.get("t1"))?.owner).toEqual(bob);

    const first = await store.list(query({ owner: alice, pageSize: 2 }));
    expect(first).toMatchObject({ tasks: [{ id: "t4" }, { id: "t2" }], totalSize: 3 });
    const second = await store.list(query({ owner: alice, pageSize: 2, pageToken: first.nextPageToken }));
    expect(second).toMatchObject({ tasks: [{ id: "t0" }], nextPageToken: "", totalSize: 3 });
    // Another owner's token continues over that owner's tasks only.
    const viaToken = await store.list(query({ owner: bob, pageSize: 2, pageToken: first.nextPageToken }));
    expect(viaToken).toMatchObject({ tasks: [{ id: "t1" }], nextPageToken: "", totalSize: 2 });
    expect(await store.list(query({ owner: bob }))).toMatchObject({ tasks: [{ id: "t6" }, { id: "t1" }], totalSize: 2 });
    expect(await store.list(query({ owner: otherAlice }))).toMatchObject({ tasks: [{ id: "t3" }], totalSize: 1 });
    expect(await store.list(query({ owner: NO_OWNER }))).toMatchObject({ tasks: [{ id: "t5" }], totalSize: 1 });
    expect(await store.list(query({ owner: { domain: "acme", subject: "carol" } }))).toMatchObject({ tasks: [], nextPageToken: "", totalSize: 0 });
    // Filters combine with the owner: ctx-0 holds t0, t2, t4, t6.
    expect(await store.list(query({ owner: bob, contextId: "ctx-0" }))).toMatchObject({ tasks: [{ id: "t6" }], totalSize: 1 });

    // An append keeps the owner.
    await store.append("t0", statusChange({ id: "t0", contextId: "ctx-0" }, TaskState.WORKING));
    expect((await store.list(query({ owner: alice, pageSize: 1 }))).tasks.map((t) => t.id)).toEqual(["t0"]);
    expect((await store.get("t0", alice))?.lastSequence).toBe(2n);
  });

  it.skipIf(skip !== undefined)("hands out copies", async () => {
    const store = await withTasks((await open()).store, 1);
    const copy = await store.get("t0");
    if (copy === undefined) throw new Error("no task");
    copy.task.contextId = "changed";
    expect((await store.get("t0"))?.task.contextId).toBe("ctx-0");
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

/** A fresh push config store of each kind; the database ones on a database of their own. */
const pushKinds: Array<{ name: string; skip: string | undefined; open(): Promise<PushConfigStore> }> = [
  { name: "MemoryPushConfigStore", skip: undefined, open: async () => new MemoryPushConfigStore() },
  { name: "MikroOrmPushConfigStore on SQLite", skip: undefined, open: () => mikroOrmPushStore(undefined) },
  { name: "MikroOrmPushConfigStore on PostgreSQL", skip: postgres.skip, open: () => mikroOrmPushStore(postgres.url) },
];

async function mikroOrmPushStore(url: string | undefined): Promise<PushConfigStore> {
  const db = await openTestDatabase([PushConfigRecordSchema], url);
  opened.push(db);
  return new MikroOrmPushConfigStore(db.database);
}

describe.each(pushKinds)("$name", ({ skip, open }) => {
  it.skipIf(skip !== undefined)("keeps configs per task: replace by id, page, list for delivery, delete idempotently", async () => {
    const store = await open();
    const config = (taskId: string, id: string, url = `https://hooks.example/${id}`) => create(TaskPushNotificationConfigSchema, { taskId, id, url });
    for (const id of ["a", "b", "c"]) await store.save(config("t1", id));
    await store.save(config("t2", "a"));
    await store.save(config("t1", "b", "https://hooks.example/b2"));
    expect((await store.get("t1", "b"))?.url).toBe("https://hooks.example/b2");
    expect(await store.get("t1", "missing")).toBeUndefined();
    expect((await store.listPushConfigs("t1")).map((c) => c.id)).toEqual(["a", "c", "b"]);
    expect(await store.listPushConfigs("none")).toEqual([]);

    const first = await store.page("t1", 2, "");
    expect(first.configs.map((c) => c.id)).toEqual(["a", "c"]);
    const second = await store.page("t1", 2, first.nextPageToken);
    expect(second).toMatchObject({ configs: [{ id: "b" }], nextPageToken: "" });
    await expect(store.page("t2", 2, first.nextPageToken)).rejects.toMatchObject({ code: Code.InvalidArgument });

    await store.delete("t1", "a");
    await store.delete("t1", "a");
    expect((await store.listPushConfigs("t1")).map((c) => c.id)).toEqual(["c", "b"]);
    expect((await store.listPushConfigs("t2")).map((c) => c.id)).toEqual(["a"]);
  });
});
