import { create, fromJson, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { ArtifactSchema, type Part, Role, type Task, TaskArtifactUpdateEventSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { CompletedStep } from "./planner.js";
import { textOf, type TaskChange } from "./task-model.js";

/**
 * How the runner keeps its progress in the task itself, so that a task that
 * waited for input resumes from the task alone (after a restart too): one
 * artifact per tool call ("step-N", its call and result as data), the
 * user's first message as the goal and later ones as answers.
 */

/** What the runner works from. */
export interface TaskToRun {
  id: string;
  contextId: string;
  /** The user's request: the text of the task's first message. */
  goal: string;
  /** The texts of the user's later messages, replies to the planner's questions. */
  answers: string[];
  /** The tool calls made before the task waited for input; empty for a new task. */
  steps: CompletedStep[];
}

/** The runner's input for `task`, as recorded so far. */
export function taskToRun(task: Task): TaskToRun {
  const [first, ...replies] = task.history.filter((message) => message.role === Role.USER).map(textOf);
  const steps: CompletedStep[] = [];
  for (let index = 1; ; index++) {
    const step = completedStep(task, index);
    if (step === undefined) break;
    steps.push(step);
  }
  return { id: task.id, contextId: task.contextId, goal: first ?? "", answers: replies, steps };
}

/** One artifact per tool call: what was called and what it returned. */
export function stepArtifact(task: Pick<Task, "id" | "contextId">, index: number, step: CompletedStep): TaskChange {
  const data: JsonObject = { tool: step.tool, arguments: step.arguments, isError: step.result.isError, result: step.result.value, text: step.result.text };
  return artifactChange(task, {
    artifactId: `step-${index}`,
    name: `step ${index}`,
    description: step.result.isError ? `${step.tool} failed: ${step.result.text}` : `${step.tool} returned ${JSON.stringify(step.result.value)}`,
    parts: [dataPart(data)],
  });
}

/** The final answer: the planner's text and every step's result as data. */
export function answerArtifact(task: Pick<Task, "id" | "contextId">, answer: string, steps: readonly CompletedStep[]): TaskChange {
  return artifactChange(task, {
    artifactId: "answer",
    name: "answer",
    description: `results of ${steps.length} tool calls`,
    parts: [
      { content: { case: "text", value: answer }, mediaType: "text/plain" },
      dataPart({ results: steps.map((step) => step.result.value) }),
    ],
  });
}

/** The step recorded as artifact "step-`index`", if there is one. */
function completedStep(task: Task, index: number): CompletedStep | undefined {
  const part = task.artifacts.find((artifact) => artifact.artifactId === `step-${index}`)?.parts[0];
  if (part?.content.case !== "data") return undefined;
  const data = toJson(ValueSchema, part.content.value);
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  const { tool, arguments: args, isError, result, text } = data;
  if (typeof tool !== "string" || args === null || typeof args !== "object" || Array.isArray(args)) return undefined;
  return {
    tool,
    arguments: args,
    result: { isError: isError === true, value: result ?? null, text: typeof text === "string" ? text : JSON.stringify(result ?? null) },
  };
}

function artifactChange(task: Pick<Task, "id" | "contextId">, artifact: Parameters<typeof create<typeof ArtifactSchema>>[1]): TaskChange {
  return {
    case: "artifactUpdate",
    value: create(TaskArtifactUpdateEventSchema, {
      taskId: task.id,
      contextId: task.contextId,
      artifact: create(ArtifactSchema, artifact),
      lastChunk: true,
    }),
  };
}

function dataPart(data: JsonValue): Pick<Part, "content" | "mediaType"> {
  return { content: { case: "data", value: fromJson(ValueSchema, data) }, mediaType: "application/json" };
}
