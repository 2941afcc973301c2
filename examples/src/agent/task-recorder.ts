import type { Task } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { onCommit } from "@kled/runtime/mikro-orm";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";
import type { TaskEventFeed } from "./task-event-feed.js";
import type { TaskChange } from "./task-model.js";
import type { TaskOwner } from "./task-owner.js";
import type { AppendOptions, TaskStore } from "./task-store.js";

/**
 * The one way task events are written: stored first (which numbers them),
 * then published to live subscribers once the store's transaction has
 * committed (at once for a store without transactions), so a subscriber
 * never sees an event that a later GetTask or replay would not.
 */
export class TaskRecorder {
  constructor(
    readonly store: TaskStore,
    readonly feed: TaskEventFeed,
  ) {}

  /** Stores a new task of `owner` with its first event. */
  async create(task: Task, first: TaskChange, owner: TaskOwner): Promise<TaskEvent> {
    const event = await this.store.create(task, first, owner);
    await onCommit(() => this.feed.publish(event));
    return event;
  }

  async record(taskId: string, change: TaskChange, options?: AppendOptions): Promise<TaskEvent> {
    const event = await this.store.append(taskId, change, options);
    await onCommit(() => this.feed.publish(event));
    return event;
  }
}
