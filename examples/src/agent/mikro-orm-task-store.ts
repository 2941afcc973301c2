import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { LockMode, type EntityManager, type FilterQuery } from "@mikro-orm/core";
import { Code, KledError } from "@kled/runtime";
import { currentTransaction, withTransaction, type Database, type Outbox } from "@kled/runtime/mikro-orm";
import { type Task, TaskSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { TaskEventTopic } from "../gen/kled/agent/v1/agent_kled.js";
import { type TaskEvent, TaskEventSchema } from "../gen/kled/agent/v1/agent_pb.js";
import { bytes, bytesOf } from "./blob.js";
import { applyChange, isTerminal, stateName, stateOf, statusTimeOf, type TaskChange } from "./task-model.js";
import { TaskEventRecordSchema, TaskRecordSchema, type TaskRecord } from "./task-entities.js";
import type { TaskOwner } from "./task-owner.js";
import { filterKey, readPageToken, writePageToken } from "./task-page-token.js";
import type { AppendOptions, StoredTask, TaskPage, TaskQuery, TaskStore } from "./task-store.js";

/**
 * Tasks in a SQL database through MikroORM (PostgreSQL, or embedded SQLite).
 *
 * Writes join the transaction of the work at hand (the served call's, with
 * transactionMiddleware) or open their own, so that a task and its first
 * event commit together. Every event is also written to the outbox, in the
 * same transaction, for {@link TaskEventTopic}: subscribers of the topic get
 * exactly the events that were committed.
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

  async create(task: Task, first: TaskChange, owner: TaskOwner): Promise<TaskEvent> {
    return this.#write(async (em) => {
      if ((await em.count(TaskRecordSchema, { id: task.id })) > 0) {
        throw new KledError(Code.AlreadyExists, `task ${task.id} already exists`);
      }
      const event = newEvent(task, 1n, first);
      applyChange(task, first);
      await em.insert(TaskRecordSchema, {
        id: task.id,
        contextId: task.contextId,
        ownerDomain: owner.domain,
        ownerSubject: owner.subject,
        ...columnsOf(task, 1n),
      });
      await this.#insertEvent(em, event);
      return event;
    });
  }

  async get(id: string, owner?: TaskOwner): Promise<StoredTask | undefined> {
    // Scoped in the query: another owner's task is not read at all.
    const record = await this.#reader().findOne(TaskRecordSchema, { id, ...(owner === undefined ? {} : ownedBy(owner)) }, { refresh: true });
    return record === null
      ? undefined
      : { task: taskOf(record), lastSequence: BigInt(record.lastSequence), owner: { domain: record.ownerDomain, subject: record.ownerSubject } };
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    const filter = filterKey(query);
    const cursor = query.pageToken === "" ? undefined : readPageToken(query.pageToken, filter);
    const em = this.#reader();
    const where: FilterQuery<TaskRecord> = {
      ...ownedBy(query.owner),
      ...(query.contextId === "" ? {} : { contextId: query.contextId }),
      ...(query.state === 0 ? {} : { state: query.state }),
      ...(query.statusAfterMs === undefined ? {} : { statusTime: { $gt: query.statusAfterMs } }),
    };
    const afterCursor: FilterQuery<TaskRecord> =
      cursor === undefined
        ? where
        : {
            $and: [
              where,
              { $or: [{ statusTime: { $lt: cursor.statusTime } }, { statusTime: cursor.statusTime, ordinal: { $lt: cursor.ordinal } }] },
            ],
          };
    const records = await em.find(TaskRecordSchema, afterCursor, {
      orderBy: [{ statusTime: "desc" }, { ordinal: "desc" }],
      // One more than the page, to know whether another page follows.
      limit: query.pageSize + 1,
      refresh: true,
    });
    const page = records.slice(0, query.pageSize);
    const last = page.at(-1);
    return {
      tasks: page.map(taskOf),
      nextPageToken: records.length > page.length && last !== undefined ? writePageToken(last, filter) : "",
      totalSize: await em.count(TaskRecordSchema, where),
    };
  }

  async append(taskId: string, change: TaskChange, options: AppendOptions = {}): Promise<TaskEvent> {
    return this.#write(async (em) => {
      const record = await em.findOne(TaskRecordSchema, { id: taskId }, {
        refresh: true,
        ...(this.database.kind === "postgresql" ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
      });
      if (record === null) throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
      const task = taskOf(record);
      const state = stateOf(task);
      if (isTerminal(state)) throw new KledError(Code.FailedPrecondition, `task ${taskId} has already ended (${stateName(state)})`);
      if (options.from !== undefined && !options.from.includes(state)) {
        throw new KledError(Code.FailedPrecondition, `task ${taskId} is ${stateName(state)}, not ${options.from.map(stateName).join(" or ")}`);
      }
      const event = newEvent(task, BigInt(record.lastSequence + 1), change);
      applyChange(task, change);
      await this.#insertEvent(em, event);
      const updated = await em.nativeUpdate(TaskRecordSchema, { id: taskId, lastSequence: record.lastSequence }, columnsOf(task, event.sequence));
      if (updated !== 1) {
        throw new KledError(Code.Aborted, `task ${taskId} changed while event ${event.sequence} was recorded; try again`);
      }
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

  async #insertEvent(em: EntityManager, event: TaskEvent): Promise<void> {
    await em.insert(TaskEventRecordSchema, { taskId: event.taskId, sequence: Number(event.sequence), event: bytes(toBinary(TaskEventSchema, event)) });
    await this.outbox.publish(em, TaskEventTopic, event);
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

function newEvent(task: Task, sequence: bigint, change: TaskChange): TaskEvent {
  return create(TaskEventSchema, { taskId: task.id, contextId: task.contextId, sequence, time: timestampNow(), event: change });
}

/** The record's columns that follow from the task. */
function columnsOf(task: Task, lastSequence: bigint): Pick<TaskRecord, "state" | "statusTime" | "lastSequence" | "task"> {
  return {
    state: stateOf(task),
    statusTime: statusTimeOf(task),
    lastSequence: Number(lastSequence),
    task: bytes(toBinary(TaskSchema, task)),
  };
}

/** The filter for `owner`'s tasks. */
function ownedBy(owner: TaskOwner): Pick<TaskRecord, "ownerDomain" | "ownerSubject"> {
  return { ownerDomain: owner.domain, ownerSubject: owner.subject };
}

function taskOf(record: TaskRecord): Task {
  return fromBinary(TaskSchema, bytesOf(record.task));
}
