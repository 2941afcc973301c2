import type { TaskPushNotificationConfig } from "../../../runtime/src/gen/lf/a2a/v1/a2a_pb.js";
import type { PushConfigSource } from "../../../runtime/src/a2a/push/push-config-source.js";

/** The agent's side of push configs, in memory: task id → configs, and how often each task was looked up. */
export class TestConfigSource implements PushConfigSource {
  readonly lookups: string[] = [];
  readonly #configs = new Map<string, TaskPushNotificationConfig[]>();

  add(...configs: TaskPushNotificationConfig[]): this {
    for (const config of configs) this.#configs.set(config.taskId, [...(this.#configs.get(config.taskId) ?? []), config]);
    return this;
  }

  listPushConfigs(taskId: string): Promise<TaskPushNotificationConfig[]> {
    this.lookups.push(taskId);
    return Promise.resolve(this.#configs.get(taskId) ?? []);
  }
}
