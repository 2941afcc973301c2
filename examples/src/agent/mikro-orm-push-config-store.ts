import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/core";
import { currentTransaction, withTransaction, type Database } from "@kled/runtime/mikro-orm";
import { type TaskPushNotificationConfig, TaskPushNotificationConfigSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { bytes, bytesOf } from "./blob.js";
import { readPushConfigToken, writePushConfigToken } from "./push-config-page-token.js";
import type { PushConfigPage, PushConfigStore } from "./push-config-store.js";
import { PushConfigRecordSchema, type PushConfigRecord } from "./task-entities.js";

/**
 * Push configurations in the agent's database, beside its tasks: writes
 * join the served call's transaction (or open their own), reads see it.
 */
export class MikroOrmPushConfigStore implements PushConfigStore {
  constructor(private readonly database: Database) {}

  async save(config: TaskPushNotificationConfig): Promise<void> {
    await this.#write(async (em) => {
      // Replacing keeps (task_id, id) unique; the new row pages last, as a new config would.
      await em.nativeDelete(PushConfigRecordSchema, { taskId: config.taskId, configId: config.id });
      await em.insert(PushConfigRecordSchema, {
        taskId: config.taskId,
        configId: config.id,
        config: bytes(toBinary(TaskPushNotificationConfigSchema, config)),
      });
    });
  }

  async get(taskId: string, id: string): Promise<TaskPushNotificationConfig | undefined> {
    const record = await this.#reader().findOne(PushConfigRecordSchema, { taskId, configId: id }, { refresh: true });
    return record === null ? undefined : configOf(record);
  }

  async page(taskId: string, pageSize: number, pageToken: string): Promise<PushConfigPage> {
    const after = pageToken === "" ? 0 : readPushConfigToken(taskId, pageToken);
    const records = await this.#reader().find(
      PushConfigRecordSchema,
      { taskId, ordinal: { $gt: after } },
      { orderBy: { ordinal: "asc" }, limit: pageSize + 1, refresh: true },
    );
    const page = records.slice(0, pageSize);
    const last = page.at(-1);
    return {
      configs: page.map(configOf),
      nextPageToken: records.length > page.length && last !== undefined ? writePushConfigToken(taskId, last.ordinal) : "",
    };
  }

  async delete(taskId: string, id: string): Promise<void> {
    await this.#write((em) => em.nativeDelete(PushConfigRecordSchema, { taskId, configId: id }));
  }

  async listPushConfigs(taskId: string): Promise<TaskPushNotificationConfig[]> {
    const records = await this.#reader().find(PushConfigRecordSchema, { taskId }, { orderBy: { ordinal: "asc" }, refresh: true });
    return records.map(configOf);
  }

  #write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const scope = currentTransaction();
    return scope === undefined ? withTransaction(this.database, (own) => work(own.em)) : work(scope.em);
  }

  #reader(): EntityManager {
    return currentTransaction()?.em ?? this.database.fork();
  }
}

function configOf(record: PushConfigRecord): TaskPushNotificationConfig {
  return fromBinary(TaskPushNotificationConfigSchema, bytesOf(record.config));
}
