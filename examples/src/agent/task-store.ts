import type { Task, TaskEvent, TaskState } from "../gen/kled/agent/v1/agent_pb.js";
import type { TaskChange } from "./task-model.js";

/** Which tasks to list, and which page. */
export interface TaskQuery {
  /** Only tasks of this context; "" for every context. */
  contextId: string;
  /** Only tasks in one of these states; empty for every state. */
  states: readonly TaskState[];
  /** At most this many tasks (≥ 1; the handler applies defaults and limits). */
  pageSize: number;
  /** A previous page's `nextPageToken`; "" for the first page. */
  pageToken: string;
}

/** One page of tasks, newest first. */
export interface TaskPage {
  tasks: Task[];
  /** "" on the last page. */
  nextPageToken: string;
}

/**
 * Where tasks and their events live. Kept small so that a database-backed
 * store (MikroORM) can replace the in-memory one without touching the
 * handler or the runner. Returned tasks and events are copies: changing
 * them does not change the store.
 */
export interface TaskStore {
  /** Stores a new task without events (`lastSequence` 0); the caller appends the first. */
  create(task: Task): Promise<void>;
  get(id: string): Promise<Task | undefined>;
  /** Tasks matching the query, newest first; INVALID_ARGUMENT for a page token it did not hand out. */
  list(query: TaskQuery): Promise<TaskPage>;
  /**
   * Records `change` as the task's next event: numbers it (1, 2, … without
   * gaps), applies it to the task (see applyEvent) and returns it. Rejects
   * with NOT_FOUND for an unknown task and FAILED_PRECONDITION when the task
   * has already ended, atomically with the numbering, so two writers (the
   * runner and a cancel) can never both end a task.
   */
  append(taskId: string, change: TaskChange): Promise<TaskEvent>;
  /** The task's events with a sequence greater than `afterSequence`, in order. */
  events(taskId: string, afterSequence: bigint): Promise<TaskEvent[]>;
}
