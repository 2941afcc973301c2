import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  type Artifact,
  type Message,
  MessageSchema,
  Role,
  type Task,
  type TaskEvent,
  TaskState,
  TaskStatusSchema,
  TaskStatusUpdateSchema,
} from "../gen/kled/agent/v1/agent_pb.js";

/**
 * Rules of the A2A task model shared by every task store and the runner:
 * which states are terminal, and how an event changes a task.
 */

/** A change to record: the payload of a {@link TaskEvent}, without its numbering. */
export type TaskChange = Exclude<TaskEvent["event"], { case: undefined }>;

const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.COMPLETED,
  TaskState.FAILED,
  TaskState.CANCELED,
  TaskState.REJECTED,
]);

/** True for states a task never leaves. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/** The state's name for messages, e.g. "COMPLETED". */
export function stateName(state: TaskState): string {
  return TaskState[state] ?? `STATE_${state}`;
}

/** A status change; `final` exactly when the state is terminal, as A2A requires. */
export function statusChange(task: Pick<Task, "id" | "contextId">, state: TaskState, text?: string): TaskChange {
  const status = create(TaskStatusSchema, {
    state,
    timestamp: timestampNow(),
    ...(text === undefined ? {} : { message: agentMessage(task, text) }),
  });
  return { case: "statusUpdate", value: create(TaskStatusUpdateSchema, { status, final: isTerminal(state) }) };
}

/** A message from the agent about `task`. */
export function agentMessage(task: Pick<Task, "id" | "contextId">, text: string): Message {
  return create(MessageSchema, {
    messageId: crypto.randomUUID(),
    role: Role.AGENT,
    parts: [{ part: { case: "text", value: text } }],
    taskId: task.id,
    contextId: task.contextId,
  });
}

/** True when `event` is the last one of its task. */
export function isFinalEvent(event: TaskEvent): boolean {
  return event.event.case === "statusUpdate" && event.event.value.final;
}

/**
 * Applies `event` to `task` in place: a status update replaces the status
 * and adds its message to the history; an artifact update adds the artifact,
 * or appends its parts to the one with the same id when `append` is set.
 */
export function applyEvent(task: Task, event: TaskEvent): void {
  task.lastSequence = event.sequence;
  switch (event.event.case) {
    case "statusUpdate": {
      const status = event.event.value.status;
      if (status !== undefined) {
        task.status = status;
        if (status.message !== undefined) task.history.push(status.message);
      }
      break;
    }
    case "artifactUpdate": {
      const { artifact, append } = event.event.value;
      if (artifact === undefined) break;
      const existing = append ? task.artifacts.find((a) => a.artifactId === artifact.artifactId) : undefined;
      if (existing === undefined) replaceArtifact(task.artifacts, artifact);
      else existing.parts.push(...artifact.parts);
      break;
    }
    case undefined:
      break;
  }
}

function replaceArtifact(artifacts: Artifact[], artifact: Artifact): void {
  const index = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (index < 0) artifacts.push(artifact);
  else artifacts[index] = artifact;
}
