import { describe, expect, it } from "vitest";
import type { AvailableTool, CompletedStep, Planner, PlannerState } from "../../examples/src/agent/planner.js";
import { RulePlanner } from "../../examples/src/agent/rule-planner.js";
import { parseTask } from "../../examples/src/agent/task-grammar.js";

const toolNames = ["add", "multiply", "divide", "uppercase", "reverse", "word_count", "kv_set", "kv_get", "kv_delete", "kv_list"];
const tools: AvailableTool[] = toolNames.map((name) => ({ name, description: "", inputSchema: {}, service: "kled.mcp.tools" }));
const signal = new AbortController().signal;

function step(tool: string, value: CompletedStep["result"]["value"], isError = false): CompletedStep {
  return { tool, arguments: {}, result: { isError, value, text: JSON.stringify(value) } };
}

describe("task grammar", () => {
  it("parses the documented example", () => {
    const parsed = parseTask("add 2 and 3, then multiply by 4, uppercase 'hello world', store the result as answer");
    expect(parsed).toEqual({
      ok: true,
      steps: [
        { source: "add 2 and 3", tool: "add", a: { kind: "literal", value: 2 }, b: { kind: "literal", value: 3 } },
        { source: "multiply by 4", tool: "multiply", a: { kind: "previous" }, b: { kind: "literal", value: 4 } },
        { source: 'uppercase "hello world"', tool: "uppercase", text: { kind: "literal", value: "hello world" } },
        { source: "store the result as answer", tool: "kv_set", key: "answer", value: { kind: "previous" } },
      ],
    });
  });

  it("reads every form of step", () => {
    const parsed = parseTask(
      "Divide 10 by 4; add 1 to it and then reverse 'ab'. count the words in \"a b c\", word count of it, " +
        "set greeting to true, get greeting, delete key greeting, list keys, multiply 2 and -3.5",
    );
    expect(parsed.ok ? parsed.steps.map((s) => s.tool) : parsed.error).toEqual([
      "divide", "add", "reverse", "word_count", "word_count", "kv_set", "kv_get", "kv_delete", "kv_list", "multiply",
    ]);
  });

  it("explains what it cannot read", () => {
    expect(parseTask("add 2, store it")).toMatchObject({ ok: false });
    expect(parseTask("add 2 and 3, store it")).toMatchObject({ ok: true, steps: [{}, { tool: "kv_set", key: undefined, value: { kind: "previous" } }] });
    expect(parseTask("add 2 and 3, then fly to the moon")).toEqual({
      ok: false,
      error: expect.stringMatching(/^step 2 \("fly to the moon"\): unknown action "fly"/),
    });
    expect(parseTask("multiply by 4")).toMatchObject({ ok: false, error: expect.stringMatching(/first step/) });
    expect(parseTask("uppercase 'unclosed")).toMatchObject({ ok: false, error: expect.stringMatching(/never closed/) });
    expect(parseTask("add 2 and three")).toMatchObject({ ok: false, error: expect.stringMatching(/expected a number.*found "three"/) });
    expect(parseTask(" , then ")).toMatchObject({ ok: false, error: expect.stringMatching(/no steps/) });
  });
});

describe("RulePlanner", () => {
  const planner: Planner = new RulePlanner();
  const goal = "add 2 and 3, then multiply by 4, uppercase it";
  const state = (steps: CompletedStep[], available = tools): PlannerState => ({ goal, tools: available, steps, answers: [] });

  it("plans one call per step, feeding the previous result", async () => {
    expect(await planner.next(state([]), signal)).toEqual({
      kind: "call",
      tool: "add",
      arguments: { a: 2, b: 3 },
      description: "step 1: add 2 and 3",
    });
    expect(await planner.next(state([step("add", 5)]), signal)).toMatchObject({ tool: "multiply", arguments: { a: 5, b: 4 } });
    expect(await planner.next(state([step("add", 5), step("multiply", 20)]), signal)).toMatchObject({
      tool: "uppercase",
      arguments: { text: "20" },
    });
  });

  it("finishes with one line per step", async () => {
    const decision = await planner.next(state([step("add", 5), step("multiply", 20), step("uppercase", "20")]), signal);
    expect(decision).toEqual({ kind: "finish", answer: '1. add 2 and 3 → 5\n2. multiply by 4 → 20\n3. uppercase it → "20"' });
  });

  it("fails on a tool error, a missing tool or a result of the wrong type", async () => {
    expect(await planner.next(state([step("add", "boom", true)]), signal)).toMatchObject({
      kind: "fail",
      reason: expect.stringMatching(/^step 1 \(add\) failed/),
    });
    expect(await planner.next(state([], tools.filter((t) => t.name !== "add")), signal)).toMatchObject({
      kind: "fail",
      reason: expect.stringMatching(/needs the tool "add", which no discovered MCP service offers/),
    });
    const wrongType = await planner.next(
      { goal: "uppercase 'x', multiply by 2", tools, steps: [step("uppercase", "X")], answers: [] },
      signal,
    );
    expect(wrongType).toMatchObject({ kind: "fail", reason: expect.stringMatching(/needs a number, but the previous result is "X"/) });
  });

  it("rejects a task it cannot plan", async () => {
    expect(await planner.next({ goal: "make me a sandwich", tools, steps: [], answers: [] }, signal)).toMatchObject({
      kind: "reject",
      reason: expect.stringMatching(/^cannot plan the task: step 1 \("make me a sandwich"\): unknown action "make"/),
    });
  });

  it("asks for the key of a store step that names none, and asks again after a reply that is no key", async () => {
    const ask = (answers: string[], steps = [step("multiply", 42)]) =>
      planner.next({ goal: "multiply 6 by 7, store it, add 1 and 1, save the result", tools, steps, answers }, signal);
    expect(await ask([])).toEqual({
      kind: "ask",
      question: 'Under which key should I store the result of step 2 ("store it")? Reply with the key name.',
    });
    expect(await ask(["two words"])).toEqual({
      kind: "ask",
      question: '"two words" is not a key (letters, digits, "_" or "-", at most 64). Under which key should I store the result of step 2 ("store it")? Reply with the key name.',
    });
    expect(await ask(["two words", " 'answer' "])).toMatchObject({ kind: "call", tool: "kv_set", arguments: { key: "answer", value: 42 } });
    // The second keyless step takes the next reply.
    const later = [step("multiply", 42), step("kv_set", "ok"), step("add", 2)];
    expect(await ask(["answer"], later)).toMatchObject({ kind: "ask", question: expect.stringMatching(/step 4 \("save the result"\)/) });
    expect(await ask(["answer", "sum"], later)).toMatchObject({ kind: "call", tool: "kv_set", arguments: { key: "sum", value: 2 } });
  });
});
