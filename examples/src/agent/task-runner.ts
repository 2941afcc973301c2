import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, KledError, type Logger } from "@kled/runtime";
import { ArtifactSchema, TaskArtifactUpdateSchema, TaskState } from "../gen/kled/agent/v1/agent_pb.js";
import type { AvailableTool, CompletedStep, Planner, StepResult } from "./planner.js";
import { statusChange, type TaskChange } from "./task-model.js";
import type { TaskRecorder } from "./task-recorder.js";

/**
 * Most tool calls one task may make: a planner that loops (an LLM can)
 * fails the task instead of running forever.
 */
export const MAX_STEPS = 32;

/** Where the runner finds tools and calls them (McpToolbox in the example). */
export interface ToolProvider {
  discover(signal: AbortSignal): Promise<AvailableTool[]>;
  call(tool: AvailableTool, args: JsonObject, signal: AbortSignal): Promise<StepResult>;
}

/** The task a runner works on. */
export interface TaskToRun {
  id: string;
  contextId: string;
  /** The user's request: the text of the task's first message. */
  goal: string;
}

/** Abort reason when the agent stops: such tasks end FAILED, not CANCELED. */
const STOPPING = new KledError(Code.Unavailable, "the agent stopped before the task finished; submit it again");

/**
 * Runs tasks in the background: discovers tools, asks the planner for one
 * step at a time, calls the tool, and records every step as task events
 * (WORKING with what is being called, an artifact with the result, then one
 * final status).
 */
export class TaskRunner {
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(
    private readonly recorder: TaskRecorder,
    private readonly planner: Planner,
    private readonly tools: ToolProvider,
    private readonly logger: Logger,
  ) {}

  /** Starts `task` in the background; its outcome is told by its events only. */
  start(task: TaskToRun): void {
    const controller = new AbortController();
    const done = this.#run(task, controller.signal).finally(() => this.#running.delete(task.id));
    this.#running.set(task.id, { controller, done });
  }

  /** Stops working on a task whose end someone else recorded (a cancel). */
  abort(taskId: string): void {
    this.#running.get(taskId)?.controller.abort(new KledError(Code.Canceled, `task ${taskId} was canceled`));
  }

  /** Fails every running task ("the agent stopped") and waits for them to record it. */
  async stop(): Promise<void> {
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort(STOPPING);
    await Promise.all(running.map(({ done }) => done));
  }

  async #run(task: TaskToRun, signal: AbortSignal): Promise<void> {
    const record = (change: TaskChange) => this.recorder.record(task.id, change);
    try {
      const tools = await this.tools.discover(signal);
      if (tools.length === 0) {
        await record(
          statusChange(task, TaskState.FAILED, "no MCP service is registered: found no service serving kled.mcp.v1.McpService; start one (npm run demo starts two)"),
        );
        return;
      }
      const services = [...new Set(tools.map((tool) => tool.service))].join(", ");
      await record(statusChange(task, TaskState.WORKING, `planning with ${tools.length} tools from ${services}`));
      const steps: CompletedStep[] = [];
      for (;;) {
        const decision = await this.planner.next({ goal: task.goal, tools, steps }, signal);
        signal.throwIfAborted();
        switch (decision.kind) {
          case "call": {
            if (steps.length >= MAX_STEPS) {
              await record(statusChange(task, TaskState.FAILED, `the plan needs more than ${MAX_STEPS} tool calls; split the task`));
              return;
            }
            const tool = tools.find((t) => t.name === decision.tool);
            if (tool === undefined) {
              await record(statusChange(task, TaskState.FAILED, `the planner chose "${decision.tool}", which no MCP service offers`));
              return;
            }
            const call = `${tool.name}(${JSON.stringify(decision.arguments)})`;
            await record(statusChange(task, TaskState.WORKING, `${decision.description} → ${call} on ${tool.service}`));
            const result = await this.tools.call(tool, decision.arguments, signal);
            steps.push({ tool: tool.name, arguments: decision.arguments, result });
            await record(stepArtifact(steps.length, steps.at(-1) as CompletedStep));
            break;
          }
          case "finish":
            await record(answerArtifact(decision.answer, steps));
            await record(statusChange(task, TaskState.COMPLETED, decision.answer));
            return;
          case "fail":
            await record(statusChange(task, TaskState.FAILED, decision.reason));
            return;
          case "reject":
            await record(statusChange(task, TaskState.REJECTED, decision.reason));
            return;
        }
      }
    } catch (error) {
      await this.#fail(task, signal, error);
    }
  }

  /** Records why the task failed, unless a cancel already ended it. */
  async #fail(task: TaskToRun, signal: AbortSignal, error: unknown): Promise<void> {
    if (signal.aborted && signal.reason !== STOPPING) return; // canceled: CancelTask recorded it
    const reason = signal.reason === STOPPING ? STOPPING.rawMessage : KledError.from(error).message;
    try {
      await this.recorder.record(task.id, statusChange(task, TaskState.FAILED, reason));
    } catch (recordError) {
      // FAILED_PRECONDITION: the task ended meanwhile (a cancel won the race); nothing to add.
      if (KledError.from(recordError).code !== Code.FailedPrecondition) {
        this.logger.error("cannot record a task failure", { task: task.id, error: recordError });
      }
    }
  }
}

/** One artifact per tool call: what was called and what it returned. */
function stepArtifact(index: number, step: CompletedStep): TaskChange {
  const data: JsonObject = {
    tool: step.tool,
    arguments: step.arguments,
    isError: step.result.isError,
    result: step.result.value,
  };
  const artifact = create(ArtifactSchema, {
    artifactId: `step-${index}`,
    name: `step ${index}`,
    description: step.result.isError
      ? `${step.tool} failed: ${step.result.text}`
      : `${step.tool} returned ${JSON.stringify(step.result.value)}`,
    parts: [{ part: { case: "data", value: data } }],
  });
  return { case: "artifactUpdate", value: create(TaskArtifactUpdateSchema, { artifact, lastChunk: true }) };
}

/** The final answer: the planner's text and every step's result as data. */
function answerArtifact(answer: string, steps: readonly CompletedStep[]): TaskChange {
  const artifact = create(ArtifactSchema, {
    artifactId: "answer",
    name: "answer",
    description: `results of ${steps.length} tool calls`,
    parts: [
      { part: { case: "text", value: answer } },
      { part: { case: "data", value: { results: steps.map((step) => step.result.value) } } },
    ],
  });
  return { case: "artifactUpdate", value: create(TaskArtifactUpdateSchema, { artifact, lastChunk: true }) };
}
