import type { Task, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";
import type { TaskChange } from "./task-model.js";
import type { TaskOwner } from "./task-owner.js";

/** A task with the number of its latest event. */
export interface StoredTask {
  task: Task;
  /** The sequence of the task's latest event (≥ 1: a task is created with its first). */
  lastSequence: bigint;
  /** Who created it (NO_OWNER for an unauthenticated call). */
  owner: TaskOwner;
}

/** Which tasks to list, and which page. */
export interface TaskQuery {
  /**
   * Only tasks of this owner: always set, so that no listing, total or page
   * crosses callers (A2A §13.1). Page tokens need not carry it: every page
   * is filtered by it.
   */
  owner: TaskOwner;
  /** Only tasks of this context; "" for every context. */
  contextId: string;
  /** Only tasks in this state; UNSPECIFIED for every state. */
  state: TaskState;
  /** Only tasks whose status changed after this time (ms since the epoch); undefined for any time. */
  statusAfterMs: number | undefined;
  /** At most this many tasks (≥ 1; the handler applies defaults and limits). */
  pageSize: number;
  /** A previous page's `nextPageToken`; "" for the first page. */
  pageToken: string;
}

/** One page of tasks, the most recently changed status first. */
export interface TaskPage {
  tasks: Task[];
  /** "" on the last page. */
  nextPageToken: string;
  /** How many tasks match the query's filters (the owner's only), on every page. */
  totalSize: number;
}

/** Options of {@link TaskStore.append}. */
export interface AppendOptions {
  /**
   * Record the change only if the task is in one of these states (checked
   * atomically with the numbering); FAILED_PRECONDITION otherwise. Used to
   * resume a task only while it waits for input.
   */
  from?: readonly TaskState[];
}

/**
 * Where tasks and their events live. Kept small so that a database-backed
 * store (MikroORM) can replace the in-memory one without touching the
 * handlers or the runner. Returned tasks and events are copies: changing
 * them does not change the store.
 */
export interface TaskStore {
  /**
   * Stores a new task together with its first event (sequence 1), `first`
   * applied to it: a task never exists without a status. ALREADY_EXISTS for
   * a taken id. `owner` is kept beside the task, not in it.
   */
  create(task: Task, first: TaskChange, owner: TaskOwner): Promise<TaskEvent>;
  /**
   * The task; undefined when there is none, or when `owner` is given and the
   * task is another's (checked in the lookup itself, so a caller learns
   * nothing of other callers' tasks). Calls on behalf of a client pass its
   * owner; only the agent's own work (the runner, a task it just wrote)
   * omits it.
   */
  get(id: string, owner?: TaskOwner): Promise<StoredTask | undefined>;
  /** Tasks matching the query; INVALID_ARGUMENT for a page token it did not hand out for these filters. */
  list(query: TaskQuery): Promise<TaskPage>;
  /**
   * Records `change` as the task's next event: numbers it (1, 2, … without
   * gaps), applies it to the task (see applyChange) and returns it. Rejects
   * with NOT_FOUND for an unknown task and FAILED_PRECONDITION when the task
   * has already ended (or is not in `options.from`), atomically with the
   * numbering, so two writers (the runner and a cancel) can never both end
   * a task.
   */
  append(taskId: string, change: TaskChange, options?: AppendOptions): Promise<TaskEvent>;
  /**
   * The task's events with a sequence greater than `afterSequence`, in
   * order; NOT_FOUND for an unknown task. Not scoped: a handler checks the
   * caller's access with `get(id, owner)` first, as for append.
   */
  events(taskId: string, afterSequence: bigint): Promise<TaskEvent[]>;
}
