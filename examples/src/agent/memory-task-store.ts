import { clone, create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, KledError } from "@kled/runtime";
import { type Task, TaskSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { type TaskEvent, TaskEventSchema } from "../gen/kled/agent/v1/agent_pb.js";
import { applyChange, isTerminal, stateName, stateOf, statusTimeOf, type TaskChange } from "./task-model.js";
import { type TaskOwner, sameOwner } from "./task-owner.js";
import { filterKey, isAfter, readPageToken, writePageToken } from "./task-page-token.js";
import type { AppendOptions, StoredTask, TaskPage, TaskQuery, TaskStore } from "./task-store.js";

interface Entry {
  task: Task;
  events: TaskEvent[];
  owner: TaskOwner;
  /** Creation order; breaks ties between equal status times. */
  ordinal: number;
}

/**
 * Tasks in this process's memory: lost on restart, not shared between agent
 * instances. Fine for the example and tests; the TaskStore interface is
 * what a database-backed store implements.
 */
export class MemoryTaskStore implements TaskStore {
  readonly #entries = new Map<string, Entry>();
  #nextOrdinal = 1;

  async create(task: Task, first: TaskChange, owner: TaskOwner): Promise<TaskEvent> {
    if (this.#entries.has(task.id)) throw new KledError(Code.AlreadyExists, `task ${task.id} already exists`);
    const entry: Entry = { task: clone(TaskSchema, task), events: [], owner: { ...owner }, ordinal: this.#nextOrdinal++ };
    this.#entries.set(task.id, entry);
    return this.#record(entry, first);
  }

  async get(id: string, owner?: TaskOwner): Promise<StoredTask | undefined> {
    const entry = this.#entries.get(id);
    if (entry === undefined || (owner !== undefined && !sameOwner(entry.owner, owner))) return undefined;
    return { task: clone(TaskSchema, entry.task), lastSequence: BigInt(entry.events.length), owner: { ...entry.owner } };
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    const filter = filterKey(query);
    const cursor = query.pageToken === "" ? undefined : readPageToken(query.pageToken, filter);
    const matching = [...this.#entries.values()]
      .filter((entry) => sameOwner(entry.owner, query.owner))
      .map((entry) => ({ entry, position: { statusTime: statusTimeOf(entry.task), ordinal: entry.ordinal } }))
      .filter(({ entry }) => query.contextId === "" || entry.task.contextId === query.contextId)
      .filter(({ entry }) => query.state === 0 || stateOf(entry.task) === query.state)
      .filter(({ position }) => query.statusAfterMs === undefined || position.statusTime > query.statusAfterMs)
      .sort((a, b) => b.position.statusTime - a.position.statusTime || b.position.ordinal - a.position.ordinal);
    const remaining = cursor === undefined ? matching : matching.filter(({ position }) => isAfter(position, cursor));
    const page = remaining.slice(0, query.pageSize);
    const last = page.at(-1);
    return {
      tasks: page.map(({ entry }) => clone(TaskSchema, entry.task)),
      nextPageToken: remaining.length > page.length && last !== undefined ? writePageToken(last.position, filter) : "",
      totalSize: matching.length,
    };
  }

  async append(taskId: string, change: TaskChange, options: AppendOptions = {}): Promise<TaskEvent> {
    const entry = this.#entries.get(taskId);
    if (entry === undefined) throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
    const state = stateOf(entry.task);
    if (isTerminal(state)) throw new KledError(Code.FailedPrecondition, `task ${taskId} has already ended (${stateName(state)})`);
    if (options.from !== undefined && !options.from.includes(state)) {
      throw new KledError(Code.FailedPrecondition, `task ${taskId} is ${stateName(state)}, not ${options.from.map(stateName).join(" or ")}`);
    }
    return this.#record(entry, change);
  }

  async events(taskId: string, afterSequence: bigint): Promise<TaskEvent[]> {
    const entry = this.#entries.get(taskId);
    if (entry === undefined) throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
    // Sequences start at 1 without gaps, so event n sits at index n - 1.
    const from = afterSequence >= BigInt(entry.events.length) ? entry.events.length : Number(afterSequence);
    return entry.events.slice(from).map((event) => clone(TaskEventSchema, event));
  }

  #record(entry: Entry, change: TaskChange): TaskEvent {
    const event = create(TaskEventSchema, {
      taskId: entry.task.id,
      contextId: entry.task.contextId,
      sequence: BigInt(entry.events.length + 1),
      time: timestampNow(),
      event: change,
    });
    applyChange(entry.task, change);
    entry.events.push(event);
    return clone(TaskEventSchema, event);
  }
}
