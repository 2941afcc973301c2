import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/**
 * The planning step of the agent: where an LLM would plug in. The runner
 * asks `next()` after every tool call, passing everything known so far, and
 * does what the decision says; a planner keeps no state of its own between
 * calls, so one instance serves every task.
 */
export interface Planner {
  next(state: PlannerState, signal: AbortSignal): Promise<PlanDecision>;
}

/** A tool the planner may call, as discovered in the registry. */
export interface AvailableTool {
  name: string;
  description: string;
  /** The tool's JSON Schema for its arguments. */
  inputSchema: JsonObject;
  /** The registered service that offers it. */
  service: string;
}

/** What one tool call returned. */
export interface StepResult {
  isError: boolean;
  /** The main value: structured `result` when the tool returned one, else the text. */
  value: JsonValue;
  /** The text content, joined: what a model would read. */
  text: string;
}

/** A tool call the task has made. */
export interface CompletedStep {
  tool: string;
  arguments: JsonObject;
  result: StepResult;
}

/** Everything a planner needs to decide the next step. */
export interface PlannerState {
  /** The task's request, as the user wrote it. */
  readonly goal: string;
  readonly tools: readonly AvailableTool[];
  /** The calls made so far, oldest first. */
  readonly steps: readonly CompletedStep[];
  /**
   * The user's replies to the planner's questions (`ask`), oldest first:
   * the text of each message that resumed the task.
   */
  readonly answers: readonly string[];
}

/**
 * - `call`: call `tool` with `arguments`; `description` tells the user why.
 * - `finish`: the goal is reached; `answer` is the reply to the user.
 * - `fail`: the goal cannot be reached any more (a tool failed, a tool is
 *   missing); the task FAILS with `reason`.
 * - `reject`: the request cannot be planned at all; the task is REJECTED.
 * - `ask`: a value is missing; the task waits (INPUT_REQUIRED) with
 *   `question` until the user replies, then the planner is asked again
 *   with the reply appended to `answers`.
 */
export type PlanDecision =
  | { kind: "call"; tool: string; arguments: JsonObject; description: string }
  | { kind: "finish"; answer: string }
  | { kind: "fail"; reason: string }
  | { kind: "reject"; reason: string }
  | { kind: "ask"; question: string };
