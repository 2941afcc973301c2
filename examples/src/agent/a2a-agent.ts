import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, KledError, type Stream } from "@kled/runtime";
import { onCommit } from "@kled/runtime/mikro-orm";
import type {
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  SendMessageRequest,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { A2AServiceHandler } from "../gen/lf/a2a/v1/a2a_kled.js";
import { a2aError, taskNotFound } from "./a2a-errors.js";
import type { PushConfigs } from "./push-configs.js";
import type { TaskDesk } from "./task-desk.js";
import { eventsAfter, type StreamItem, streamTask } from "./task-follow.js";
import { isTerminal, stateName, stateOf, statusChange } from "./task-model.js";
import { ownerOf, type TaskOwner } from "./task-owner.js";
import type { TaskRecorder } from "./task-recorder.js";
import type { TaskRunner } from "./task-runner.js";
import type { StoredTask } from "./task-store.js";
import { withHistory } from "./task-view.js";

/** Tasks per ListTasks page when the request leaves page_size unset (the specification's default). */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest ListTasks page; larger requests are clamped to it. */
export const MAX_PAGE_SIZE = 100;

/**
 * The example agent as an A2A 1.0 agent (lf.a2a.v1.A2AService). A message
 * starts a task, or resumes one that waits for input; SendMessage waits
 * until the task ends or waits again unless told to return at once, and the
 * streaming methods send the task, then its updates until then. Errors are
 * the specification's (a2a-errors.ts).
 *
 * Every method sees only the caller's tasks (A2A 1.0 §13.1): those its
 * messages created, by the identity's domain and subject (task-owner.ts).
 * Another caller's task is answered exactly like an unknown one. Without
 * auth configured, callers have no identity and share every task.
 */
export class A2AAgent implements A2AServiceHandler {
  constructor(
    private readonly recorder: TaskRecorder,
    private readonly runner: TaskRunner,
    private readonly desk: TaskDesk,
    private readonly pushConfigs: PushConfigs,
  ) {}

  async sendMessage(request: SendMessageRequest, context: HandlerContext) {
    const { snapshot, subscription } = await this.desk.submit(request, ownerOf(context));
    try {
      if (request.configuration?.returnImmediately !== true) {
        // Drained only to learn when the task settles; the answer is read from the store after.
        for await (const _ of eventsAfter(subscription, snapshot, context.signal));
      }
    } finally {
      subscription.close();
    }
    const task = await this.#task(snapshot.task.id, ownerOf(context));
    return { payload: { case: "task" as const, value: withHistory(task, request.configuration?.historyLength) } };
  }

  async *sendStreamingMessage(request: SendMessageRequest, context: HandlerContext): Stream<StreamItem> {
    const { snapshot, subscription } = await this.desk.submit(request, ownerOf(context));
    try {
      withHistory(snapshot.task, request.configuration?.historyLength);
      yield* streamTask(subscription, snapshot, context.signal);
    } finally {
      subscription.close();
    }
  }

  async getTask(request: GetTaskRequest, context: HandlerContext) {
    return withHistory(await this.#task(request.id, ownerOf(context)), request.historyLength);
  }

  async listTasks(request: ListTasksRequest, context: HandlerContext) {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    if (pageSize < 1) {
      throw new KledError(Code.InvalidArgument, `page_size ${pageSize} is below 1; send 1 to ${MAX_PAGE_SIZE}, or leave it unset for ${DEFAULT_PAGE_SIZE}`);
    }
    if (request.historyLength !== undefined && request.historyLength < 0) {
      throw new KledError(Code.InvalidArgument, `history_length ${request.historyLength} is negative; send 0 for no history, or leave it unset for all`);
    }
    const page = await this.recorder.store.list({
      owner: ownerOf(context),
      contextId: request.contextId,
      state: request.status,
      statusAfterMs: request.statusTimestampAfter === undefined ? undefined : timestampDate(request.statusTimestampAfter).getTime(),
      pageSize: Math.min(pageSize, MAX_PAGE_SIZE),
      pageToken: request.pageToken,
    });
    const tasks = page.tasks.map((task) => {
      if (request.includeArtifacts !== true) task.artifacts = [];
      return withHistory(task, request.historyLength);
    });
    return { tasks, nextPageToken: page.nextPageToken, pageSize: tasks.length, totalSize: page.totalSize };
  }

  /** Records CANCELED, then stops the runner (once the record commits); an ended task is not cancelable. */
  async cancelTask(request: CancelTaskRequest, context: HandlerContext) {
    const owner = ownerOf(context);
    const { task } = await this.#stored(request.id, owner);
    if (isTerminal(stateOf(task))) throw notCancelable(task);
    try {
      await this.recorder.record(task.id, statusChange(task, TaskState.CANCELED, "canceled by the client"));
    } catch (error) {
      // The task ended between our read and our write.
      if (KledError.from(error).code !== Code.FailedPrecondition) throw error;
      throw notCancelable(await this.#task(task.id, owner));
    }
    await onCommit(() => this.runner.abort(task.id));
    return this.#task(task.id, owner);
  }

  /** The task, then its updates until it ends or waits for input; an ended task has none to follow. */
  async *subscribeToTask(request: SubscribeToTaskRequest, context: HandlerContext): Stream<StreamItem> {
    if (request.id === "") throw new KledError(Code.InvalidArgument, "id is empty; pass the id of the task to follow");
    // Subscribe before reading the store, so no event falls between snapshot and live.
    const subscription = this.recorder.feed.subscribe(request.id);
    try {
      const snapshot = await this.#stored(request.id, ownerOf(context));
      const state = stateOf(snapshot.task);
      if (isTerminal(state)) {
        throw a2aError(
          "UnsupportedOperationError",
          `task ${request.id} has ended (${stateName(state)}); there is nothing to follow, read it with GetTask`,
          { taskId: request.id },
        );
      }
      yield* streamTask(subscription, snapshot, context.signal);
    } finally {
      subscription.close();
    }
  }

  createTaskPushNotificationConfig(request: TaskPushNotificationConfig, context: HandlerContext) {
    return this.pushConfigs.create(request, ownerOf(context));
  }

  getTaskPushNotificationConfig(request: GetTaskPushNotificationConfigRequest, context: HandlerContext) {
    return this.pushConfigs.get(request, ownerOf(context));
  }

  listTaskPushNotificationConfigs(request: ListTaskPushNotificationConfigsRequest, context: HandlerContext) {
    return this.pushConfigs.list(request, ownerOf(context));
  }

  async deleteTaskPushNotificationConfig(request: DeleteTaskPushNotificationConfigRequest, context: HandlerContext) {
    await this.pushConfigs.delete(request, ownerOf(context));
    return {};
  }

  /** The card says extended_agent_card false: an authenticated client would see nothing the public card lacks. */
  getExtendedAgentCard(): never {
    throw a2aError(
      "UnsupportedOperationError",
      "this agent has no extended agent card (capabilities.extended_agent_card is false); its public card is all there is: kled.agent.v1.AgentService/GetAgentCard",
    );
  }

  async #task(id: string, owner: TaskOwner): Promise<Task> {
    return (await this.#stored(id, owner)).task;
  }

  /** The task if it is `owner`'s, or TaskNotFoundError naming the id (for an unknown task and another's alike). */
  async #stored(id: string, owner: TaskOwner): Promise<StoredTask> {
    if (id === "") throw new KledError(Code.InvalidArgument, "id is empty; pass the id of a task SendMessage returned");
    const stored = await this.recorder.store.get(id, owner);
    if (stored === undefined) throw taskNotFound(id);
    return stored;
  }
}

function notCancelable(task: Task): KledError {
  return a2aError(
    "TaskNotCancelableError",
    `task ${task.id} has already ended (${stateName(stateOf(task))}); only a task that has not ended can be canceled`,
    { taskId: task.id },
  );
}
