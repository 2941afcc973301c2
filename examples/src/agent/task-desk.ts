import { clone, create } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import { onCommit } from "@kled/runtime/mikro-orm";
import { type Message, MessageSchema, type SendMessageRequest, type Task, TaskSchema, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { a2aError, taskNotFound } from "./a2a-errors.js";
import { acceptMessage } from "./message-intake.js";
import type { PushConfigs } from "./push-configs.js";
import type { TaskSubscription } from "./task-event-feed.js";
import { INTERRUPTED_STATES, isTerminal, stateName, stateOf, statusChangeWith } from "./task-model.js";
import type { TaskOwner } from "./task-owner.js";
import type { TaskRecorder } from "./task-recorder.js";
import type { TaskRunner } from "./task-runner.js";
import { taskToRun } from "./task-steps.js";
import type { StoredTask } from "./task-store.js";

/** Where a message's push config sits in SendMessageRequest, for error messages. */
const PUSH_CONFIG_FIELD = "configuration.task_push_notification_config";

/** A message taken in: the task it started or resumed, and its live events from before that. */
export interface Submitted {
  /** The task right after the message was recorded (or later: the runner does not wait). */
  snapshot: StoredTask;
  /** Opened before the message was recorded; the caller closes it. */
  subscription: TaskSubscription;
}

/**
 * Takes a client's message (SendMessage, SendStreamingMessage): a message
 * without task_id starts a new task, one with task_id resumes that task if
 * it waits for input. Either way the runner starts once the write has
 * committed. A new task belongs to the sender (`owner`); a message for
 * another sender's task is answered as one for an unknown task.
 */
export class TaskDesk {
  constructor(
    private readonly recorder: TaskRecorder,
    private readonly runner: TaskRunner,
    private readonly pushConfigs: PushConfigs,
  ) {}

  async submit(request: SendMessageRequest, owner: TaskOwner): Promise<Submitted> {
    const { message } = acceptMessage(request);
    const pushConfig = request.configuration?.taskPushNotificationConfig;
    const taskId = message.taskId === "" ? crypto.randomUUID() : message.taskId;
    // Opened before the write, so that the caller misses none of what follows.
    const subscription = this.recorder.feed.subscribe(taskId);
    try {
      // The sender's task, or TaskNotFoundError, before anything is stored (a webhook on another's task would leak it).
      const resumed = message.taskId === "" ? undefined : await this.#owned(message.taskId, owner);
      // Checked before anything is stored (a bad webhook must not leave a task behind), and stored
      // before the message, so that push delivery finds it for the first event the message causes.
      const detach = pushConfig === undefined ? undefined : await this.pushConfigs.attach(pushConfig, taskId, PUSH_CONFIG_FIELD);
      try {
        if (resumed === undefined) await this.#start(taskId, message, owner);
        else await this.#resume(resumed.task, message);
      } catch (error) {
        await detach?.().catch(() => undefined);
        throw error;
      }
      const snapshot = await this.recorder.store.get(taskId);
      if (snapshot === undefined) throw taskNotFound(taskId);
      return { snapshot, subscription };
    } catch (error) {
      subscription.close();
      throw error;
    }
  }

  async #start(id: string, message: Message, owner: TaskOwner): Promise<void> {
    const contextId = message.contextId === "" ? crypto.randomUUID() : message.contextId;
    const received = ownMessage(message, id, contextId);
    const task = create(TaskSchema, { id, contextId, history: [received] });
    // The task and its first event commit together; the runner starts once they have: its own writes need them.
    await this.recorder.create(task, statusChangeWith(task, TaskState.SUBMITTED, undefined), owner);
    await onCommit(() => this.runner.start(taskToRun(task)));
  }

  /** The task `taskId` if it is `owner`'s; TaskNotFoundError for an unknown task and another's alike. */
  async #owned(taskId: string, owner: TaskOwner): Promise<StoredTask> {
    const stored = await this.recorder.store.get(taskId, owner);
    if (stored === undefined) throw taskNotFound(taskId);
    return stored;
  }

  /** Resumes `task` (the sender's, as just read) with `message` if it waits for input. */
  async #resume(task: Task, message: Message): Promise<void> {
    if (message.contextId !== "" && message.contextId !== task.contextId) {
      throw new KledError(
        Code.InvalidArgument,
        `message.context_id ${JSON.stringify(message.contextId)} is not the context of task ${task.id} (${JSON.stringify(task.contextId)}); leave it empty or send the task's`,
      );
    }
    const received = ownMessage(message, task.id, task.contextId);
    try {
      // The reply is the status message of the task's resumption, so it joins the history and the event log.
      await this.recorder.record(task.id, statusChangeWith(task, TaskState.WORKING, received), { from: INTERRUPTED_STATES });
    } catch (error) {
      if (KledError.from(error).code !== Code.FailedPrecondition) throw error;
      const now = await this.recorder.store.get(task.id);
      throw notWaiting(task.id, now === undefined ? TaskState.UNSPECIFIED : stateOf(now.task));
    }
    const resumed = await this.recorder.store.get(task.id);
    if (resumed === undefined) throw taskNotFound(task.id);
    await onCommit(() => this.runner.start(taskToRun(resumed.task)));
  }
}

/** The client's message as the task keeps it: with an id, and the task's ids. */
function ownMessage(message: Message, taskId: string, contextId: string): Message {
  const own = clone(MessageSchema, message);
  own.messageId ||= crypto.randomUUID();
  own.taskId = taskId;
  own.contextId = contextId;
  return own;
}

/** Why a message cannot continue a task in `state`. */
function notWaiting(taskId: string, state: TaskState): KledError {
  if (isTerminal(state)) {
    return a2aError(
      "UnsupportedOperationError",
      `task ${taskId} has ended (${stateName(state)}) and accepts no more messages; send the message without task_id to start a new task`,
      { taskId },
    );
  }
  return a2aError(
    "UnsupportedOperationError",
    `task ${taskId} is ${stateName(state)}; it accepts a message only while it waits for input (${INTERRUPTED_STATES.map(stateName).join(" or ")})`,
    { taskId },
  );
}
