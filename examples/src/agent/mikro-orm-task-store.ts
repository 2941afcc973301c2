import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { LockMode, type EntityManager } from "@mikro-orm/core";
import { Code, KledError } from "@kled/runtime";
import { currentTransaction, withTransaction, type Database, type Outbox } from "@kled/runtime/mikro-orm";
import { TaskEventTopic } from "../gen/kled/agent/v1/agent_kled.js";
import { type Task, type TaskEvent, TaskEventSchema, TaskSchema } from "../gen/kled/agent/v1/agent_pb.js";
import { applyEvent, isTerminal, stateName, type TaskChange } from "./task-model.js";
import { TaskEventRecordSchema, TaskRecordSchema, type TaskRecord } from "./task-entities.js";
import { readPageToken, writePageToken } from "./task-page-token.js";
import type { TaskPage, TaskQuery, TaskStore } from "./task-store.js";

/**
 * Tasks in a SQL database through MikroORM (PostgreSQL, or embedded SQLite).
 *
 * Writes join the transaction of the work at hand (the served call's, with
 * transactionMiddleware) or open their own, so that creating a task and its
 * first event commit together. Every appended event is also written to the
 * outbox, in the same transaction, for {@link TaskEventTopic}: subscribers
 * of the topic get exactly the events that were committed.
 *
 * Sequences stay gap-free under concurrency: an append locks the task row
 * (`SELECT … FOR UPDATE` on PostgreSQL; SQLite runs one write transaction at
 * a time), numbers the event from the locked row, and bumps the row only if
 * its sequence is still the one it read; (task_id, sequence) is unique.
 */
export class MikroOrmTaskStore implements TaskStore {
  constructor(
    private readonly database: Database,
    private readonly outbox: Outbox,
  ) {}

  async create(task: Task): Promise<void> {
    await this.#write(async (em) => {
      if ((await em.count(TaskRecordSchema, { id: task.id })) > 0) {
        throw new KledError(Code.AlreadyExists, `task ${task.id} already exists`);
      }
      await em.insert(TaskRecordSchema, {
        id: task.id,
        contextId: task.contextId,
        state: task.status?.state ?? 0,
        lastSequence: Number(task.lastSequence),
        task: bytes(toBinary(TaskSchema, task)),
      });
    });
  }

  async get(id: string): Promise<Task | undefined> {
    const record = await this.#reader().findOne(TaskRecordSchema, { id }, { refresh: true });
    return record === null ? undefined : taskOf(record);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    // The token is bound to the filter: reusing it with other filters would skip or repeat tasks.
    const filter = JSON.stringify([query.contextId, [...query.states].sort()]);
    const before = query.pageToken === "" ? undefined : readPageToken(query.pageToken, filter);
    const records = await this.#reader().find(
      TaskRecordSchema,
      {
        ...(before === undefined ? {} : { ordinal: { $lt: before } }),
        ...(query.contextId === "" ? {} : { contextId: query.contextId }),
        ...(query.states.length === 0 ? {} : { state: { $in: [...query.states] } }),
      },
      // One more than the page, to know whether another page follows.
      { orderBy: { ordinal: "desc" }, limit: query.pageSize + 1, refresh: true },
    );
    const page = records.slice(0, query.pageSize);
    const last = page.at(-1);
    return {
      tasks: page.map(taskOf),
      nextPageToken: records.length > page.length && last !== undefined ? writePageToken(last.ordinal, filter) : "",
    };
  }

  async append(taskId: string, change: TaskChange): Promise<TaskEvent> {
    return this.#write(async (em) => {
      const record = await em.findOne(TaskRecordSchema, { id: taskId }, {
        refresh: true,
        ...(this.database.kind === "postgresql" ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
      });
      if (record === null) throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
      const task = taskOf(record);
      const state = task.status?.state ?? 0;
      if (isTerminal(state)) {
        throw new KledError(Code.FailedPrecondition, `task ${taskId} has already ended (${stateName(state)})`);
      }
      const event = create(TaskEventSchema, {
        taskId,
        contextId: task.contextId,
        sequence: BigInt(record.lastSequence + 1),
        time: timestampNow(),
        event: change,
      });
      applyEvent(task, event);
      await em.insert(TaskEventRecordSchema, { taskId, sequence: Number(event.sequence), event: bytes(toBinary(TaskEventSchema, event)) });
      const updated = await em.nativeUpdate(
        TaskRecordSchema,
        { id: taskId, lastSequence: record.lastSequence },
        { lastSequence: Number(event.sequence), state: task.status?.state ?? 0, task: bytes(toBinary(TaskSchema, task)) },
      );
      if (updated !== 1) {
        throw new KledError(Code.Aborted, `task ${taskId} changed while event ${event.sequence} was recorded; try again`);
      }
      await this.outbox.publish(em, TaskEventTopic, event);
      return event;
    });
  }

  async events(taskId: string, afterSequence: bigint): Promise<TaskEvent[]> {
    const em = this.#reader();
    if ((await em.count(TaskRecordSchema, { id: taskId })) === 0) {
      throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
    }
    const records = await em.find(
      TaskEventRecordSchema,
      { taskId, sequence: { $gt: Number(afterSequence) } },
      { orderBy: { sequence: "asc" }, refresh: true },
    );
    return records.map((record) => fromBinary(TaskEventSchema, bytesOf(record.event)));
  }

  /** Runs `work` in the current transaction, or in one of its own. */
  #write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const scope = currentTransaction();
    return scope === undefined ? withTransaction(this.database, (own) => work(own.em)) : work(scope.em);
  }

  /** Reads see the current transaction's own writes; outside one, a fresh fork. */
  #reader(): EntityManager {
    return currentTransaction()?.em ?? this.database.fork();
  }
}

function taskOf(record: TaskRecord): Task {
  return fromBinary(TaskSchema, bytesOf(record.task));
}

/** The pg driver writes only Buffers as bytea. */
function bytes(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** SQLite returns blobs as ArrayBuffer, PostgreSQL as Buffer. */
function bytesOf(value: Uint8Array | ArrayBuffer): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}
