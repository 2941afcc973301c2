import type { Task } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";

/**
 * How much of a task an answer shows (A2A's history_length semantics):
 * unset shows the whole history, 0 none, n the latest n messages.
 */
export function withHistory(task: Task, historyLength: number | undefined): Task {
  if (historyLength !== undefined) task.history = historyLength <= 0 ? [] : task.history.slice(-historyLength);
  return task;
}
