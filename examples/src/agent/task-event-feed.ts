import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";
import { AsyncQueue } from "../shared/async-queue.js";

/**
 * Live task events for subscribers, after the store recorded them. The
 * store answers "what happened so far"; the feed answers "tell me what
 * happens next". Separate so that agents sharing a database can feed each
 * other through the broker (TaskEventTopic) while the store stays a store.
 */
export interface TaskEventFeed {
  publish(event: TaskEvent): void;
  /** Events of `taskId` published from now on, until `close()` is called on the queue. */
  subscribe(taskId: string): TaskSubscription;
}

/** A subscriber's queue of live events; `close()` unsubscribes. */
export interface TaskSubscription {
  readonly events: AsyncQueue<TaskEvent>;
  close(): void;
}

/** A feed within one process. */
export class MemoryTaskEventFeed implements TaskEventFeed {
  readonly #subscribers = new Map<string, Set<AsyncQueue<TaskEvent>>>();

  publish(event: TaskEvent): void {
    for (const queue of this.#subscribers.get(event.taskId) ?? []) queue.push(event);
  }

  subscribe(taskId: string): TaskSubscription {
    const queue = new AsyncQueue<TaskEvent>();
    const queues = this.#subscribers.get(taskId) ?? new Set();
    queues.add(queue);
    this.#subscribers.set(taskId, queues);
    return {
      events: queue,
      close: () => {
        queue.close();
        queues.delete(queue);
        if (queues.size === 0 && this.#subscribers.get(taskId) === queues) this.#subscribers.delete(taskId);
      },
    };
  }
}
