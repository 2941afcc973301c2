import type { JsonObject } from "@bufbuild/protobuf";
import { Code, currentContext, KledError, type Logger, runWithContext } from "@kled/runtime";
import { TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { AvailableTool, CompletedStep, Planner, StepResult } from "./planner.js";
import { taskContext } from "./task-context.js";
import { statusChange, type TaskChange } from "./task-model.js";
import type { TaskRecorder } from "./task-recorder.js";
import { answerArtifact, stepArtifact, type TaskToRun } from "./task-steps.js";

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

/** Abort reason when the agent stops: such tasks end FAILED, not CANCELED. */
const STOPPING = new KledError(Code.Unavailable, "the agent stopped before the task finished; submit it again");

interface Running {
  /** Aborted by a cancel: the task's writes stop committing too (see task-context.ts). */
  canceled: AbortController;
  /** Aborted when the agent stops: the task still records why it failed. */
  stopped: AbortController;
  done: Promise<void>;
}

/**
 * Runs tasks in the background: discovers tools, asks the planner for one
 * step at a time, calls the tool, and records every step as task events
 * (WORKING with what is being called, an artifact with the result, then one
 * final status, or INPUT_REQUIRED with the planner's question, after which
 * the run ends until the user's reply starts it again).
 */
export class TaskRunner {
  readonly #running = new Map<string, Running>();

  constructor(
    private readonly recorder: TaskRecorder,
    private readonly planner: Planner,
    private readonly tools: ToolProvider,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts (or resumes) `task` in the background; its outcome is told by
   * its events only. Inside a served call it runs in a context of its own
   * derived from the call's (task-context.ts).
   */
  start(task: TaskToRun): void {
    const canceled = new AbortController();
    const stopped = new AbortController();
    const signal = AbortSignal.any([canceled.signal, stopped.signal]);
    const call = currentContext();
    const run = () => this.#run(task, signal);
    const done = (call === undefined ? run() : runWithContext(taskContext(call, canceled.signal), run)).finally(() =>
      this.#running.delete(task.id),
    );
    this.#running.set(task.id, { canceled, stopped, done });
  }

  /** Stops working on a task whose end someone else recorded (a cancel). */
  abort(taskId: string): void {
    this.#running.get(taskId)?.canceled.abort(new KledError(Code.Canceled, `task ${taskId} was canceled`));
  }

  /** Fails every running task ("the agent stopped") and waits for them to record it. */
  async stop(): Promise<void> {
    const running = [...this.#running.values()];
    for (const { stopped } of running) stopped.abort(STOPPING);
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
      const steps: CompletedStep[] = [...task.steps];
      for (;;) {
        const decision = await this.planner.next({ goal: task.goal, tools, steps, answers: task.answers }, signal);
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
            const step: CompletedStep = { tool: tool.name, arguments: decision.arguments, result };
            steps.push(step);
            await record(stepArtifact(task, steps.length, step));
            break;
          }
          case "finish":
            await record(answerArtifact(task, decision.answer, steps));
            await record(statusChange(task, TaskState.COMPLETED, decision.answer));
            return;
          case "fail":
            await record(statusChange(task, TaskState.FAILED, decision.reason));
            return;
          case "reject":
            await record(statusChange(task, TaskState.REJECTED, decision.reason));
            return;
          case "ask":
            await record(statusChange(task, TaskState.INPUT_REQUIRED, decision.question));
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
