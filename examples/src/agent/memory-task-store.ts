import { clone, create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, KledError } from "@kled/runtime";
import { type Task, type TaskEvent, TaskEventSchema, TaskSchema } from "../gen/kled/agent/v1/agent_pb.js";
import { applyEvent, isTerminal, type TaskChange, stateName } from "./task-model.js";
import { readPageToken, writePageToken } from "./task-page-token.js";
import type { TaskPage, TaskQuery, TaskStore } from "./task-store.js";

interface Entry {
  task: Task;
  events: TaskEvent[];
  /** Creation order; newest-first listing and page tokens use it. */
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

  async create(task: Task): Promise<void> {
    if (this.#entries.has(task.id)) throw new KledError(Code.AlreadyExists, `task ${task.id} already exists`);
    this.#entries.set(task.id, { task: clone(TaskSchema, task), events: [], ordinal: this.#nextOrdinal++ });
  }

  async get(id: string): Promise<Task | undefined> {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : clone(TaskSchema, entry.task);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    // The token is bound to the filter: reusing it with other filters would skip or repeat tasks.
    const filter = JSON.stringify([query.contextId, [...query.states].sort()]);
    const before = query.pageToken === "" ? Number.POSITIVE_INFINITY : readPageToken(query.pageToken, filter);
    const matching = [...this.#entries.values()]
      .filter((entry) => entry.ordinal < before)
      .filter((entry) => query.contextId === "" || entry.task.contextId === query.contextId)
      .filter((entry) => query.states.length === 0 || query.states.includes(entry.task.status?.state ?? 0))
      .sort((a, b) => b.ordinal - a.ordinal);
    const page = matching.slice(0, query.pageSize);
    const last = page.at(-1);
    return {
      tasks: page.map((entry) => clone(TaskSchema, entry.task)),
      nextPageToken:
        matching.length > page.length && last !== undefined ? writePageToken(last.ordinal, filter) : "",
    };
  }

  async append(taskId: string, change: TaskChange): Promise<TaskEvent> {
    const entry = this.#entries.get(taskId);
    if (entry === undefined) throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
    const state = entry.task.status?.state ?? 0;
    if (isTerminal(state)) {
      throw new KledError(Code.FailedPrecondition, `task ${taskId} has already ended (${stateName(state)})`);
    }
    const event = create(TaskEventSchema, {
      taskId,
      contextId: entry.task.contextId,
      sequence: entry.task.lastSequence + 1n,
      time: timestampNow(),
      event: change,
    });
    applyEvent(entry.task, event);
    entry.events.push(event);
    return clone(TaskEventSchema, event);
  }

  async events(taskId: string, afterSequence: bigint): Promise<TaskEvent[]> {
    const entry = this.#entries.get(taskId);
    if (entry === undefined) throw new KledError(Code.NotFound, `task ${taskId} does not exist`);
    // Sequences start at 1 without gaps, so event n sits at index n - 1.
    const from = afterSequence >= BigInt(entry.events.length) ? entry.events.length : Number(afterSequence);
    return entry.events.slice(from).map((event) => clone(TaskEventSchema, event));
  }
}
