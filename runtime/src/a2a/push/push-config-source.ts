import type { TaskPushNotificationConfig } from "../../gen/lf/a2a/v1/a2a_pb.js";

/**
 * Where a {@link PushNotifier} finds the receivers of a task's notifications:
 * the agent's store of the configs that clients created for the task
 * (CreateTaskPushNotificationConfig, or `configuration.taskPushNotificationConfig`
 * of SendMessage). Read at every event, so a config deleted in between gets
 * nothing more.
 */
export interface PushConfigSource {
  listPushConfigs(taskId: string): Promise<readonly TaskPushNotificationConfig[]>;
}
