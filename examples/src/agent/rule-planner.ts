import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { CompletedStep, PlanDecision, Planner, PlannerState } from "./planner.js";
import { isValidKey, type Operand, type PlannedStep, parseTask } from "./task-grammar.js";

/**
 * A planner without a model: it reads the task in the small language of
 * task-grammar.ts and calls one tool per step, feeding each step the
 * previous result where the task says "it" or "the result".
 *
 * Decisions: an unreadable task is rejected before any call; a step whose
 * tool no discovered service offers, a tool error, or a previous result of
 * the wrong type fails the task; a "store" step without a key asks the user
 * for one (again, saying why, after a reply that is no key); after the last
 * step it finishes with one line per step.
 */
export class RulePlanner implements Planner {
  async next(state: PlannerState): Promise<PlanDecision> {
    const parsed = parseTask(state.goal);
    if (!parsed.ok) return { kind: "reject", reason: `cannot plan the task: ${parsed.error}` };
    const done = state.steps.length;
    const last = state.steps.at(-1);
    if (last?.result.isError === true) {
      return { kind: "fail", reason: `step ${done} (${last.tool}) failed: ${last.result.text}` };
    }
    const step = parsed.steps[done];
    if (step === undefined) return { kind: "finish", answer: summarize(parsed.steps, state.steps) };
    if (!state.tools.some((tool) => tool.name === step.tool)) {
      const offered = state.tools.map((tool) => tool.name).join(", ") || "none";
      return {
        kind: "fail",
        reason: `step ${done + 1} ("${step.source}") needs the tool "${step.tool}", which no discovered MCP service offers (tools found: ${offered})`,
      };
    }
    const key = step.tool === "kv_set" && step.key === undefined ? askedKey(parsed.steps, done, state.answers) : undefined;
    if (key?.kind === "ask") return key;
    const args = argumentsOf(step, last?.result.value ?? null, key?.key);
    if (typeof args === "string") return { kind: "fail", reason: `step ${done + 1} ("${step.source}"): ${args}` };
    return { kind: "call", tool: step.tool, arguments: args, description: `step ${done + 1}: ${step.source}` };
  }
}

/**
 * The key the user gave for the store step at `index`, or the question to
 * ask. Replies are consumed in order by the keyless store steps up to
 * `index`; a reply that is no valid key is skipped and asked again.
 */
function askedKey(steps: readonly PlannedStep[], index: number, answers: readonly string[]): { kind: "key"; key: string } | { kind: "ask"; question: string } {
  let next = 0;
  let key = "";
  for (let i = 0; i <= index; i++) {
    const step = steps[i];
    if (step?.tool !== "kv_set" || step.key !== undefined) continue;
    let refused: string | undefined;
    for (;;) {
      const reply = answers[next++];
      if (reply === undefined) {
        const why = refused === undefined ? "" : `${JSON.stringify(refused)} is not a key (letters, digits, "_" or "-", at most 64). `;
        return { kind: "ask", question: `${why}Under which key should I store the result of step ${i + 1} ("${step.source}")? Reply with the key name.` };
      }
      const candidate = unquote(reply.trim());
      if (isValidKey(candidate)) {
        key = candidate;
        break;
      }
      refused = candidate;
    }
  }
  return { kind: "key", key };
}

/** A reply of 'total' or "total" means total. */
function unquote(text: string): string {
  return /^(["'‘“]).*(["'’”])$/.test(text) ? text.slice(1, -1).trim() : text;
}

/** The tool arguments of `step` (`askedKey` for a keyless store), or why the previous result cannot be used. */
function argumentsOf(step: PlannedStep, previous: JsonValue, askedKey?: string): JsonObject | string {
  switch (step.tool) {
    case "add":
    case "multiply":
    case "divide": {
      const a = resolve(step.a, previous, asNumber);
      const b = resolve(step.b, previous, asNumber);
      if (a === undefined || b === undefined) return `needs a number, but the previous result is ${JSON.stringify(previous)}`;
      return { a, b };
    }
    case "uppercase":
    case "reverse":
    case "word_count":
      return { text: resolve(step.text, previous, asText) };
    case "kv_set": {
      const value = resolve(step.value, previous, asScalar);
      if (value === undefined) return `cannot store ${JSON.stringify(previous)}: only text, numbers and booleans`;
      return { key: step.key ?? askedKey ?? "", value };
    }
    case "kv_get":
    case "kv_delete":
      return { key: step.key };
    case "kv_list":
      return {};
  }
}

function resolve<T>(operand: Operand<T>, previous: JsonValue, convert: (value: JsonValue) => T): T {
  return operand.kind === "literal" ? operand.value : convert(previous);
}

function asNumber(value: JsonValue): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** Text steps accept any previous result; numbers and lists become their JSON text. */
function asText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function asScalar(value: JsonValue): string | number | boolean | undefined {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined;
}

/** One line per step: what was asked and what came back. */
function summarize(planned: readonly PlannedStep[], done: readonly CompletedStep[]): string {
  return done
    .map((step, i) => `${i + 1}. ${planned[i]?.source ?? step.tool} → ${JSON.stringify(step.result.value)}`)
    .join("\n");
}
