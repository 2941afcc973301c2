import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import { parseWebhookUrl } from "@kled/runtime/a2a";
import {
  type DeleteTaskPushNotificationConfigRequest,
  type GetTaskPushNotificationConfigRequest,
  type ListTaskPushNotificationConfigsRequest,
  type TaskPushNotificationConfig,
  TaskPushNotificationConfigSchema,
} from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { a2aError, taskNotFound } from "./a2a-errors.js";
import type { PushConfigStore } from "./push-config-store.js";
import type { TaskOwner } from "./task-owner.js";
import type { TaskStore } from "./task-store.js";

/** Configs per ListTaskPushNotificationConfigs page when the request says 0. */
export const DEFAULT_PUSH_CONFIG_PAGE_SIZE = 50;
/** Largest page; larger requests are clamped to it. */
export const MAX_PUSH_CONFIG_PAGE_SIZE = 100;

/**
 * The A2A push notification config methods over a {@link PushConfigStore}:
 * validation, ids, and the A2A errors. Each method acts for a caller
 * (`owner`) and only on that caller's tasks: another's is answered like an
 * unknown task, before its configs are read or written. Delivery is not
 * here: a worker reads the store by task id through PushConfigLookup.
 */
export class PushConfigs {
  constructor(
    private readonly tasks: TaskStore,
    readonly store: PushConfigStore,
  ) {}

  /** INVALID_ARGUMENT unless `config` can be delivered to: an http(s) URL without user info, a scheme with credentials. */
  validate(config: MessageInitShape<typeof TaskPushNotificationConfigSchema>, field: string): void {
    // The sender's own check, so that a config accepted here can be delivered to.
    try {
      parseWebhookUrl(config.url ?? "");
    } catch (error) {
      throw new KledError(Code.InvalidArgument, `${field}.url: ${(error as Error).message}`);
    }
    const authentication = config.authentication;
    if (authentication !== undefined && (authentication.scheme ?? "").trim() === "") {
      throw new KledError(Code.InvalidArgument, `${field}.authentication.scheme is empty; name an HTTP authentication scheme, e.g. "Bearer"`);
    }
  }

  /** Validates and stores a config for an existing task of `owner`, choosing its id when empty. */
  async create(init: MessageInitShape<typeof TaskPushNotificationConfigSchema>, owner: TaskOwner, field = "config"): Promise<TaskPushNotificationConfig> {
    this.validate(init, field);
    const config = create(TaskPushNotificationConfigSchema, init);
    if (config.taskId === "") throw new KledError(Code.InvalidArgument, `${field}.task_id is empty; name the task whose updates to push`);
    await this.#requireTask(config.taskId, owner);
    config.id ||= crypto.randomUUID();
    await this.store.save(config);
    return config;
  }

  /**
   * Stores the config a message brings (SendMessage's
   * configuration.task_push_notification_config) for task `taskId` before
   * the message is recorded, when the task may not exist yet: the task's
   * events leave through the outbox as soon as they commit, and push
   * delivery must find the webhook by then. Returns the undo for a message
   * that is refused: it removes the config, or restores the one it replaced.
   */
  async attach(init: MessageInitShape<typeof TaskPushNotificationConfigSchema>, taskId: string, field: string): Promise<() => Promise<void>> {
    this.validate(init, field);
    const config = create(TaskPushNotificationConfigSchema, { ...init, taskId });
    config.id ||= crypto.randomUUID();
    const replaced = await this.store.get(taskId, config.id);
    await this.store.save(config);
    return () => (replaced === undefined ? this.store.delete(taskId, config.id) : this.store.save(replaced));
  }

  async get(request: GetTaskPushNotificationConfigRequest, owner: TaskOwner): Promise<TaskPushNotificationConfig> {
    requireIds(request);
    await this.#requireTask(request.taskId, owner);
    const config = await this.store.get(request.taskId, request.id);
    // The specification answers a missing configuration with TaskNotFoundError too.
    if (config === undefined) {
      throw a2aError("TaskNotFoundError", `task ${request.taskId} has no push notification config ${JSON.stringify(request.id)}`, {
        taskId: request.taskId,
        configId: request.id,
      });
    }
    return config;
  }

  async list(request: ListTaskPushNotificationConfigsRequest, owner: TaskOwner) {
    if (request.taskId === "") throw new KledError(Code.InvalidArgument, "task_id is empty; name the task whose configs to list");
    if (request.pageSize < 0) throw new KledError(Code.InvalidArgument, `page_size ${request.pageSize} is negative; send 1 to ${MAX_PUSH_CONFIG_PAGE_SIZE}, or 0 for ${DEFAULT_PUSH_CONFIG_PAGE_SIZE}`);
    await this.#requireTask(request.taskId, owner);
    const pageSize = request.pageSize === 0 ? DEFAULT_PUSH_CONFIG_PAGE_SIZE : Math.min(request.pageSize, MAX_PUSH_CONFIG_PAGE_SIZE);
    return this.store.page(request.taskId, pageSize, request.pageToken);
  }

  /** Idempotent: deleting a config that is gone succeeds; an unknown task does not. */
  async delete(request: DeleteTaskPushNotificationConfigRequest, owner: TaskOwner): Promise<void> {
    requireIds(request);
    await this.#requireTask(request.taskId, owner);
    await this.store.delete(request.taskId, request.id);
  }

  /** TaskNotFoundError unless `taskId` is a task of `owner`: another's is answered as an unknown one. */
  async #requireTask(taskId: string, owner: TaskOwner): Promise<void> {
    if ((await this.tasks.get(taskId, owner)) === undefined) throw taskNotFound(taskId);
  }
}

function requireIds(request: { taskId: string; id: string }): void {
  if (request.taskId === "") throw new KledError(Code.InvalidArgument, "task_id is empty; name the task of the config");
  if (request.id === "") throw new KledError(Code.InvalidArgument, "id is empty; pass the id CreateTaskPushNotificationConfig returned");
}
