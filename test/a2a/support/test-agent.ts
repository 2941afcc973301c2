import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { encodeGrpcStatusDetails, GRPC_STATUS_DETAILS_BIN } from "@a2a-js/sdk/errors/grpc";
import { Code, KledError, Service, silentLogger, type HandlerContext, type Registry } from "@kled/runtime";
import {
  AgentCardSchema,
  ArtifactSchema,
  Role,
  StreamResponseSchema,
  TaskSchema,
  TaskState,
  TaskStatusSchema,
  type CancelTaskRequest,
  type GetTaskRequest,
  type ListTasksRequest,
  type SendMessageRequest,
  type SubscribeToTaskRequest,
  type Task,
} from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { registerAgentServiceHandler, type AgentServiceHandler } from "../../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { registerA2AServiceHandler, type A2AServiceHandler } from "../../../examples/src/gen/lf/a2a/v1/a2a_kled.js";

type StreamItem = MessageInitShape<typeof StreamResponseSchema>;

/** Terminal states (A2A 1.0 section 4.1.3). */
const TERMINAL = new Set([TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELED, TaskState.REJECTED]);

/**
 * A2A's gRPC error (section 10.6) encoded by the official SDK, so that the
 * gateway's decoding is checked against an encoder it does not share.
 */
function a2aStatus(code: Code, reason: string, message: string, metadata: Record<string, string> = {}): KledError {
  const details = encodeGrpcStatusDetails(code, message, reason, metadata);
  return new KledError(code, message, {}, { binaryMetadata: { [GRPC_STATUS_DETAILS_BIN]: new Uint8Array(details) } });
}

/**
 * A small in-memory A2A agent for the gateway's tests. What it does depends
 * on the first text part of a message:
 * - "reply: …": answers with a Message, no task;
 * - "wait": the task stays WORKING until canceled;
 * - "break": streaming, the Task, then the call fails UNAVAILABLE;
 * - anything else: the task completes with an artifact echoing the text.
 * Errors go out the A2A gRPC way (status + ErrorInfo), except
 * GetExtendedAgentCard, which answers with a bare FAILED_PRECONDITION, to
 * exercise the gateway's fallback on the status code.
 */
export class TestAgent implements A2AServiceHandler, AgentServiceHandler {
  readonly tasks = new Map<string, Task>();
  /** Whether each streaming call's gRPC signal was aborted when its handler ended. */
  readonly streamEnds: boolean[] = [];
  /** The `authorization` metadata of every call, in order. */
  readonly authorizations: Array<string | undefined> = [];
  readonly #listeners = new Map<string, Set<(item: StreamItem) => void>>();

  constructor(readonly address: () => string) {}

  getAgentCard(_request: unknown, context: HandlerContext) {
    this.#seen(context);
    return {
      card: create(AgentCardSchema, {
        name: "Echo agent",
        description: "Echoes what it is told (a test agent)",
        version: "1.2.3",
        supportedInterfaces: [{ url: this.address(), protocolBinding: "GRPC", protocolVersion: "1.0" }],
        capabilities: { streaming: true, pushNotifications: false },
        securitySchemes: { bearer: { scheme: { case: "httpAuthSecurityScheme", value: { scheme: "Bearer" } } } },
        defaultInputModes: ["text/plain"],
        defaultOutputModes: ["text/plain"],
        skills: [{ id: "echo", name: "Echo", description: "Echoes text", tags: ["test"] }],
      }),
    };
  }

  subscribeTaskEvents(): never {
    throw new KledError(Code.Unimplemented, "the test agent keeps no event log");
  }

  sendMessage(request: SendMessageRequest, context: HandlerContext) {
    this.#seen(context);
    const text = textOf(request);
    if (text.startsWith("reply:")) {
      return { payload: { case: "message" as const, value: { messageId: randomUUID(), role: Role.AGENT, parts: [{ content: { case: "text" as const, value: text.slice(6).trim() } }] } } };
    }
    const task = this.#start(request);
    if (text !== "wait") this.#complete(task, text);
    return { payload: { case: "task" as const, value: task } };
  }

  async *sendStreamingMessage(request: SendMessageRequest, context: HandlerContext): AsyncGenerator<StreamItem> {
    this.#seen(context);
    try {
      const task = this.#start(request);
      yield { payload: { case: "task", value: create(TaskSchema, task) } };
      const text = textOf(request);
      if (text === "break") throw new KledError(Code.Unavailable, "the agent lost its worker");
      if (text !== "wait") {
        this.#setState(task, TaskState.WORKING);
        yield { payload: { case: "statusUpdate", value: { taskId: task.id, contextId: task.contextId, status: task.status } } };
        this.#complete(task, text);
        yield { payload: { case: "artifactUpdate", value: { taskId: task.id, contextId: task.contextId, artifact: task.artifacts[0], lastChunk: true } } };
        yield { payload: { case: "statusUpdate", value: { taskId: task.id, contextId: task.contextId, status: task.status } } };
        return;
      }
      yield* this.#follow(task, context, true);
    } finally {
      this.streamEnds.push(context.signal.aborted);
    }
  }

  getTask(request: GetTaskRequest, context: HandlerContext) {
    this.#seen(context);
    return this.#task(request.id);
  }

  listTasks(request: ListTasksRequest, context: HandlerContext) {
    this.#seen(context);
    const tasks = [...this.tasks.values()].filter((task) => request.contextId === "" || task.contextId === request.contextId);
    const pageSize = request.pageSize ?? 50;
    return { tasks: tasks.slice(0, pageSize), pageSize, totalSize: tasks.length };
  }

  cancelTask(request: CancelTaskRequest, context: HandlerContext) {
    this.#seen(context);
    const task = this.#task(request.id);
    const state = task.status?.state ?? TaskState.UNSPECIFIED;
    if (TERMINAL.has(state)) {
      throw a2aStatus(Code.FailedPrecondition, "TASK_NOT_CANCELABLE", `task ${task.id} has ended (${TaskState[state]})`, { taskId: task.id });
    }
    this.#setState(task, TaskState.CANCELED);
    return task;
  }

  async *subscribeToTask(request: SubscribeToTaskRequest, context: HandlerContext): AsyncGenerator<StreamItem> {
    this.#seen(context);
    try {
      const task = this.#task(request.id);
      if (TERMINAL.has(task.status?.state ?? TaskState.UNSPECIFIED)) {
        throw a2aStatus(Code.FailedPrecondition, "UNSUPPORTED_OPERATION", `task ${task.id} has ended; there is nothing to subscribe to`);
      }
      yield { payload: { case: "task", value: create(TaskSchema, task) } };
      yield* this.#follow(task, context, false);
    } finally {
      this.streamEnds.push(context.signal.aborted);
    }
  }

  createTaskPushNotificationConfig(): never {
    throw this.#noPush();
  }

  getTaskPushNotificationConfig(): never {
    throw this.#noPush();
  }

  listTaskPushNotificationConfigs(): never {
    throw this.#noPush();
  }

  deleteTaskPushNotificationConfig(): never {
    throw this.#noPush();
  }

  getExtendedAgentCard(): never {
    throw new KledError(Code.FailedPrecondition, "this agent has no extended card");
  }

  #noPush(): KledError {
    return a2aStatus(Code.FailedPrecondition, "PUSH_NOTIFICATION_NOT_SUPPORTED", "this agent sends no push notifications");
  }

  #seen(context: HandlerContext): void {
    this.authorizations.push(context.metadata.get("authorization"));
  }

  #task(id: string): Task {
    const task = this.tasks.get(id);
    if (task === undefined) throw a2aStatus(Code.NotFound, "TASK_NOT_FOUND", `task ${JSON.stringify(id)} does not exist`, { taskId: id });
    return task;
  }

  #start(request: SendMessageRequest): Task {
    const existing = request.message?.taskId ?? "";
    if (existing !== "") this.#task(existing);
    const task = create(TaskSchema, {
      id: randomUUID(),
      contextId: request.message?.contextId || randomUUID(),
      status: { state: TaskState.SUBMITTED, timestamp: timestampFromDate(new Date()) },
      history: request.message === undefined ? [] : [request.message],
    });
    this.tasks.set(task.id, task);
    return task;
  }

  #complete(task: Task, text: string): void {
    task.artifacts = [create(ArtifactSchema, { artifactId: "echo", parts: [{ content: { case: "text", value: text } }] })];
    this.#setState(task, TaskState.COMPLETED);
  }

  #setState(task: Task, state: TaskState): void {
    task.status = create(TaskStatusSchema, { state, timestamp: timestampFromDate(new Date()) });
    const item: StreamItem = { payload: { case: "statusUpdate", value: { taskId: task.id, contextId: task.contextId, status: task.status } } };
    for (const listener of this.#listeners.get(task.id) ?? []) listener(item);
  }

  /** The task's status updates until it ends or the call is canceled; `working` first sets it WORKING. */
  async *#follow(task: Task, context: HandlerContext, working: boolean): AsyncGenerator<StreamItem> {
    const queue: StreamItem[] = [];
    let wake: (() => void) | undefined;
    const listener = (item: StreamItem) => {
      queue.push(item);
      wake?.();
    };
    const listeners = this.#listeners.get(task.id) ?? new Set();
    this.#listeners.set(task.id, listeners);
    listeners.add(listener);
    const onAbort = () => wake?.();
    context.signal.addEventListener("abort", onAbort);
    try {
      if (working) this.#setState(task, TaskState.WORKING);
      while (!context.signal.aborted) {
        const item = queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        yield item;
        if (item.payload?.case === "statusUpdate" && TERMINAL.has(item.payload.value.status?.state ?? TaskState.UNSPECIFIED)) return;
      }
    } finally {
      listeners.delete(listener);
      context.signal.removeEventListener("abort", onAbort);
    }
  }
}

function textOf(request: SendMessageRequest): string {
  const part = request.message?.parts.find((candidate) => candidate.content.case === "text");
  return part?.content.case === "text" ? part.content.value : "";
}

/** The test agent as a Kled service named `name` on `registry`. */
export async function startTestAgent(registry: Registry, name: string): Promise<{ service: Service; agent: TestAgent }> {
  const service = new Service({ name, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  const agent = new TestAgent(() => service.address ?? "");
  registerA2AServiceHandler(service.server, agent);
  registerAgentServiceHandler(service.server, agent);
  await service.start();
  return { service, agent };
}
