import { clone, create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, KledError, type Stream } from "@kled/runtime";
import { onCommit } from "@kled/runtime/mikro-orm";
import {
  type CancelTaskRequest,
  type CreateTaskRequest,
  type GetTaskRequest,
  type ListTasksRequest,
  MessageSchema,
  Role,
  type SubscribeTaskRequest,
  type SubscribeTaskResponseSchema,
  type Task,
  TaskSchema,
  TaskState,
} from "../gen/kled/agent/v1/agent_pb.js";
import type { AgentServiceHandler } from "../gen/kled/agent/v1/agent_kled.js";
import { exampleAgentCard } from "./agent-card.js";
import { isFinalEvent, isTerminal, stateName, statusChange } from "./task-model.js";
import type { TaskRecorder } from "./task-recorder.js";
import type { TaskRunner } from "./task-runner.js";

/** Tasks per ListTasks page when the request says 0. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest ListTasks page; larger requests are clamped to it (AIP-158). */
export const MAX_PAGE_SIZE = 100;

/**
 * The example agent on the A2A task model. CreateTask answers with the
 * SUBMITTED task at once and hands it to the runner; clients follow it with
 * SubscribeTask (replay after a sequence, then live events) or GetTask.
 */
export class ExampleAgent implements AgentServiceHandler {
  constructor(
    private readonly recorder: TaskRecorder,
    private readonly runner: TaskRunner,
    private readonly version = "0.1.0",
  ) {}

  async createTask(request: CreateTaskRequest) {
    const goal = (request.message?.parts ?? [])
      .map((part) => (part.part.case === "text" ? part.part.value : ""))
      .filter((text) => text.trim() !== "")
      .join("\n");
    if (goal === "") {
      throw new KledError(Code.InvalidArgument, "message has no text part; send the task as text, e.g. \"add 2 and 3\"");
    }
    if (request.message?.role === Role.AGENT) {
      throw new KledError(Code.InvalidArgument, "message.role is ROLE_AGENT; a task starts with the user's message");
    }
    const id = crypto.randomUUID();
    const contextId = request.contextId !== "" ? request.contextId : crypto.randomUUID();
    const message = request.message === undefined ? create(MessageSchema) : clone(MessageSchema, request.message);
    message.messageId ||= crypto.randomUUID();
    message.role = Role.USER;
    message.taskId = id;
    message.contextId = contextId;
    const task = create(TaskSchema, {
      id,
      contextId,
      history: [message],
      createTime: timestampNow(),
      ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
    });
    // With a transactional store the task and its first event commit together,
    // and the runner starts only once they have: its own writes need them.
    await this.recorder.store.create(task);
    await this.recorder.record(id, statusChange(task, TaskState.SUBMITTED));
    const submitted = await this.#task(id);
    await onCommit(() => this.runner.start({ id, contextId, goal }));
    return { task: submitted };
  }

  async getTask(request: GetTaskRequest) {
    const task = await this.#task(request.id);
    if (request.historyLength > 0) task.history = task.history.slice(-request.historyLength);
    return { task };
  }

  async listTasks(request: ListTasksRequest) {
    const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
    return this.recorder.store.list({
      contextId: request.contextId,
      states: request.states,
      pageSize,
      pageToken: request.pageToken,
    });
  }

  /** Records CANCELED, then stops the runner; a canceled task cancels again harmlessly. */
  async cancelTask(request: CancelTaskRequest) {
    const task = await this.#task(request.id);
    const state = task.status?.state ?? TaskState.UNSPECIFIED;
    if (!isTerminal(state)) {
      try {
        await this.recorder.record(task.id, statusChange(task, TaskState.CANCELED, "canceled by the client"));
      } catch (error) {
        // The task ended between our read and our write; the check below says how.
        if (KledError.from(error).code !== Code.FailedPrecondition) throw error;
      }
      await onCommit(() => this.runner.abort(task.id));
    }
    const after = await this.#task(request.id);
    const ended = after.status?.state ?? TaskState.UNSPECIFIED;
    if (ended !== TaskState.CANCELED) {
      throw new KledError(
        Code.FailedPrecondition,
        `task ${request.id} has already ended (${stateName(ended)}); only a task that is still running can be canceled`,
      );
    }
    return { task: after };
  }

  /**
   * Replays the stored events after `after_sequence`, then streams live ones,
   * ending after the final event (at once when the task already ended).
   */
  async *subscribeTask(request: SubscribeTaskRequest, context: HandlerContext): Stream<MessageInitShape<typeof SubscribeTaskResponseSchema>> {
    const task = await this.#task(request.taskId);
    if (request.afterSequence > task.lastSequence) {
      throw new KledError(
        Code.OutOfRange,
        `after_sequence ${request.afterSequence} is beyond task ${task.id}'s last event (${task.lastSequence})`,
      );
    }
    // Subscribe before reading the store, so no event falls between replay and live.
    const subscription = this.recorder.feed.subscribe(task.id);
    try {
      let last = request.afterSequence;
      for (const event of await this.recorder.store.events(task.id, last)) {
        yield { event };
        last = event.sequence;
        if (isFinalEvent(event)) return;
      }
      if (isTerminal(task.status?.state ?? TaskState.UNSPECIFIED) && last >= task.lastSequence) return;
      for await (const event of subscription.events.iterate(context.signal)) {
        if (event.sequence <= last) continue;
        yield { event };
        last = event.sequence;
        if (isFinalEvent(event)) return;
      }
    } finally {
      subscription.close();
    }
  }

  getAgentCard() {
    return { card: exampleAgentCard(this.version) };
  }

  /** The task, or NOT_FOUND naming the id. */
  async #task(id: string): Promise<Task> {
    if (id === "") throw new KledError(Code.InvalidArgument, "id is empty; pass the id CreateTask returned");
    const task = await this.recorder.store.get(id);
    if (task === undefined) throw new KledError(Code.NotFound, `task ${JSON.stringify(id)} does not exist`);
    return task;
  }
}
