import { clone } from "@bufbuild/protobuf";
import { type TaskPushNotificationConfig, TaskPushNotificationConfigSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { readPushConfigToken, writePushConfigToken } from "./push-config-page-token.js";
import type { PushConfigPage, PushConfigStore } from "./push-config-store.js";

interface Entry {
  config: TaskPushNotificationConfig;
  /** Creation order, for paging. */
  ordinal: number;
}

/** Push configurations in this process's memory, beside a MemoryTaskStore. */
export class MemoryPushConfigStore implements PushConfigStore {
  /** Task id → config id → entry. */
  readonly #byTask = new Map<string, Map<string, Entry>>();
  #nextOrdinal = 1;

  async save(config: TaskPushNotificationConfig): Promise<void> {
    const configs = this.#byTask.get(config.taskId) ?? new Map<string, Entry>();
    configs.set(config.id, { config: clone(TaskPushNotificationConfigSchema, config), ordinal: this.#nextOrdinal++ });
    this.#byTask.set(config.taskId, configs);
  }

  async get(taskId: string, id: string): Promise<TaskPushNotificationConfig | undefined> {
    const entry = this.#byTask.get(taskId)?.get(id);
    return entry === undefined ? undefined : clone(TaskPushNotificationConfigSchema, entry.config);
  }

  async page(taskId: string, pageSize: number, pageToken: string): Promise<PushConfigPage> {
    const after = pageToken === "" ? 0 : readPushConfigToken(taskId, pageToken);
    const remaining = this.#entries(taskId).filter((entry) => entry.ordinal > after);
    const page = remaining.slice(0, pageSize);
    const last = page.at(-1);
    return {
      configs: page.map((entry) => clone(TaskPushNotificationConfigSchema, entry.config)),
      nextPageToken: remaining.length > page.length && last !== undefined ? writePushConfigToken(taskId, last.ordinal) : "",
    };
  }

  async delete(taskId: string, id: string): Promise<void> {
    this.#byTask.get(taskId)?.delete(id);
  }

  async listPushConfigs(taskId: string): Promise<TaskPushNotificationConfig[]> {
    return this.#entries(taskId).map((entry) => clone(TaskPushNotificationConfigSchema, entry.config));
  }

  #entries(taskId: string): Entry[] {
    return [...(this.#byTask.get(taskId)?.values() ?? [])].sort((a, b) => a.ordinal - b.ordinal);
  }
}
