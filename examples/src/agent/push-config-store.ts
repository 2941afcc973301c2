import type { TaskPushNotificationConfig } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";

/**
 * What a push delivery worker needs: every webhook configured for a task.
 * The agent's parts expose it (createExampleAgent) for the worker to use.
 */
export interface PushConfigLookup {
  /** The task's configurations, oldest first; [] when it has none. */
  listPushConfigs(taskId: string): Promise<TaskPushNotificationConfig[]>;
}

/** One page of a task's configurations. */
export interface PushConfigPage {
  configs: TaskPushNotificationConfig[];
  /** "" on the last page. */
  nextPageToken: string;
}

/**
 * Where the webhook configurations of tasks live (the A2A push
 * notification config methods). Configs are keyed by (task_id, id); the
 * handler validates them and assigns ids before they get here. Returned
 * configs are copies.
 */
export interface PushConfigStore extends PushConfigLookup {
  /** Stores `config`, replacing one with the same task_id and id. */
  save(config: TaskPushNotificationConfig): Promise<void>;
  get(taskId: string, id: string): Promise<TaskPushNotificationConfig | undefined>;
  /** A page of the task's configurations, oldest first; INVALID_ARGUMENT for a token it did not hand out. */
  page(taskId: string, pageSize: number, pageToken: string): Promise<PushConfigPage>;
  /** Removes a configuration; removing one that does not exist is not an error. */
  delete(taskId: string, id: string): Promise<void>;
}
