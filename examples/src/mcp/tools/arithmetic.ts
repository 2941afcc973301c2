import { numberParam } from "./params.js";
import { defineTool, fail, succeed, type Tool, type ToolOutcome } from "./tool.js";

/** Arithmetic on two finite numbers: add, multiply, divide. */

const pureMath = { readOnlyHint: true, idempotentHint: true } as const;
const numberResult = { type: "number", description: "The result of the operation" } as const;

/**
 * Reports a result that JSON cannot carry (it overflowed to ±Infinity) as a
 * tool failure, so the model reads why instead of getting a broken number.
 */
function finite(operation: string, value: number): ToolOutcome {
  return Number.isFinite(value)
    ? succeed(value)
    : fail(`${operation} overflows: the result is beyond ±${Number.MAX_VALUE}; use smaller numbers`);
}

export const addTool: Tool = defineTool({
  name: "add",
  title: "Add",
  description: "Adds two numbers: a + b.",
  params: { a: numberParam("The first addend"), b: numberParam("The second addend") },
  result: numberResult,
  annotations: pureMath,
  run: ({ a, b }) => finite(`${a} + ${b}`, a + b),
});

export const multiplyTool: Tool = defineTool({
  name: "multiply",
  title: "Multiply",
  description: "Multiplies two numbers: a × b.",
  params: { a: numberParam("The first factor"), b: numberParam("The second factor") },
  result: numberResult,
  annotations: pureMath,
  run: ({ a, b }) => finite(`${a} × ${b}`, a * b),
});

export const divideTool: Tool = defineTool({
  name: "divide",
  title: "Divide",
  description: "Divides a by b. Dividing by zero is reported as a tool error.",
  params: { a: numberParam("The dividend"), b: numberParam("The divisor; must not be zero") },
  result: numberResult,
  annotations: pureMath,
  run: ({ a, b }) =>
    b === 0 ? fail(`cannot divide ${a} by zero: the divisor b must not be 0`) : finite(`${a} ÷ ${b}`, a / b),
});

/** The arithmetic tools, in listing order. */
export const arithmeticTools: readonly Tool[] = [addTool, multiplyTool, divideTool];
