import type { MessageInitShape } from "@bufbuild/protobuf";
import type { StreamResponseSchema, Task } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";
import type { TaskSubscription } from "./task-event-feed.js";
import { eventState, isInterrupted, isTerminal, stateOf } from "./task-model.js";
import type { StoredTask } from "./task-store.js";

/** One item of an A2A stream. */
export type StreamItem = MessageInitShape<typeof StreamResponseSchema>;

/** True once a task needs nothing more from the agent for now: it ended, or it waits for the client. */
export function isSettled(task: Task): boolean {
  const state = stateOf(task);
  return isTerminal(state) || isInterrupted(state);
}

/**
 * The live events of a task after `snapshot`, until one settles it (a
 * terminal or interrupted state); nothing when the snapshot is settled
 * already. `subscription` must have been opened before the snapshot was
 * read, so that no event falls between the two.
 */
export async function* eventsAfter(subscription: TaskSubscription, snapshot: StoredTask, signal: AbortSignal): AsyncGenerator<TaskEvent> {
  if (isSettled(snapshot.task)) return;
  for await (const event of subscription.events.iterate(signal)) {
    if (event.sequence <= snapshot.lastSequence) continue;
    yield event;
    const state = eventState(event);
    if (state !== undefined && (isTerminal(state) || isInterrupted(state))) return;
  }
}

/** An A2A stream of a task: the snapshot, then its updates until it settles. */
export async function* streamTask(subscription: TaskSubscription, snapshot: StoredTask, signal: AbortSignal): AsyncGenerator<StreamItem> {
  yield { payload: { case: "task", value: snapshot.task } };
  for await (const event of eventsAfter(subscription, snapshot, signal)) {
    const item = streamItem(event);
    if (item !== undefined) yield item;
  }
}

/** A task event as an A2A stream item. */
export function streamItem(event: TaskEvent): StreamItem | undefined {
  switch (event.event.case) {
    case "statusUpdate":
      return { payload: { case: "statusUpdate", value: event.event.value } };
    case "artifactUpdate":
      return { payload: { case: "artifactUpdate", value: event.event.value } };
    case undefined:
      return undefined;
  }
}
