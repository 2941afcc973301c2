import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import {
  type Artifact,
  type Message,
  MessageSchema,
  Role,
  type Task,
  TaskState,
  TaskStatusSchema,
  TaskStatusUpdateEventSchema,
} from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";

/**
 * Rules of the A2A task model shared by every task store, the runner and
 * the handlers: which states end a task or pause it, and how an event
 * changes a task.
 */

/** A change to record: the payload of a {@link TaskEvent}, without its numbering. */
export type TaskChange = Exclude<TaskEvent["event"], { case: undefined }>;

const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.COMPLETED,
  TaskState.FAILED,
  TaskState.CANCELED,
  TaskState.REJECTED,
]);

/** States in which the task waits for the client's next message. */
export const INTERRUPTED_STATES: readonly TaskState[] = [TaskState.INPUT_REQUIRED, TaskState.AUTH_REQUIRED];

/** True for states a task never leaves. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/** True for states in which the task waits for the client (A2A's "interrupted" states). */
export function isInterrupted(state: TaskState): boolean {
  return INTERRUPTED_STATES.includes(state);
}

/** The state's name for messages, e.g. "COMPLETED". */
export function stateName(state: TaskState): string {
  return TaskState[state] ?? `STATE_${state}`;
}

/** The task's state; UNSPECIFIED when it has no status yet. */
export function stateOf(task: Task): TaskState {
  return task.status?.state ?? TaskState.UNSPECIFIED;
}

/** A status change, with an agent message saying why when `text` is given. */
export function statusChange(task: Pick<Task, "id" | "contextId">, state: TaskState, text?: string): TaskChange {
  return statusChangeWith(task, state, text === undefined ? undefined : agentMessage(task, text));
}

/** A status change carrying `message` (the agent's, or the client's reply that resumes a task). */
export function statusChangeWith(task: Pick<Task, "id" | "contextId">, state: TaskState, message: Message | undefined): TaskChange {
  const status = create(TaskStatusSchema, { state, timestamp: timestampNow(), ...(message === undefined ? {} : { message }) });
  return {
    case: "statusUpdate",
    value: create(TaskStatusUpdateEventSchema, { taskId: task.id, contextId: task.contextId, status }),
  };
}

/** A message from the agent about `task`. */
export function agentMessage(task: Pick<Task, "id" | "contextId">, text: string): Message {
  return create(MessageSchema, {
    messageId: crypto.randomUUID(),
    role: Role.AGENT,
    parts: [{ content: { case: "text", value: text } }],
    taskId: task.id,
    contextId: task.contextId,
  });
}

/** The text parts of a message, joined by newlines. */
export function textOf(message: Message | undefined): string {
  return (message?.parts ?? [])
    .map((part) => (part.content.case === "text" ? part.content.value : ""))
    .filter((text) => text.trim() !== "")
    .join("\n");
}

/** The state an event moves its task to, or undefined for an artifact event. */
export function eventState(event: TaskEvent): TaskState | undefined {
  return event.event.case === "statusUpdate" ? (event.event.value.status?.state ?? TaskState.UNSPECIFIED) : undefined;
}

/** True when `event` is the last one of its task. */
export function isFinalEvent(event: TaskEvent): boolean {
  const state = eventState(event);
  return state !== undefined && isTerminal(state);
}

/** When the task's status last changed, in ms since the epoch (0 without a status time). */
export function statusTimeOf(task: Task): number {
  const timestamp = task.status?.timestamp;
  return timestamp === undefined ? 0 : timestampDate(timestamp).getTime();
}

/**
 * Applies `change` to `task` in place: a status update replaces the status
 * and adds its message to the history; an artifact update adds the artifact,
 * or appends its parts to the one with the same id when `append` is set.
 */
export function applyChange(task: Task, change: TaskChange): void {
  switch (change.case) {
    case "statusUpdate": {
      const status = change.value.status;
      if (status !== undefined) {
        task.status = status;
        if (status.message !== undefined) task.history.push(status.message);
      }
      break;
    }
    case "artifactUpdate": {
      const { artifact, append } = change.value;
      if (artifact === undefined) break;
      const existing = append ? task.artifacts.find((a) => a.artifactId === artifact.artifactId) : undefined;
      if (existing === undefined) replaceArtifact(task.artifacts, artifact);
      else existing.parts.push(...artifact.parts);
      break;
    }
  }
}

function replaceArtifact(artifacts: Artifact[], artifact: Artifact): void {
  const index = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (index < 0) artifacts.push(artifact);
  else artifacts[index] = artifact;
}
