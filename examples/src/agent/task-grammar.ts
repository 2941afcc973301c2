import { showToken, type Token, tokenize } from "./task-tokens.js";

/**
 * The language of the rule-based planner: a task is steps separated by
 * ",", ";", "." or "then"; each step is one tool call. Words are matched
 * without regard to case.
 *
 *   add X and Y | add X to Y | add Y            → add       (a + b)
 *   multiply X by Y | multiply X and Y | multiply by Y → multiply
 *   divide X by Y | divide by Y                → divide
 *   uppercase T | reverse T                    → uppercase, reverse
 *   count words in T | word count of T         → word_count
 *   store V as KEY | set KEY to V              → kv_set
 *   store V                                    → kv_set, asking the user for the key
 *   get KEY | delete KEY | list keys           → kv_get, kv_delete, kv_list
 *
 * X, Y are numbers; T is quoted text ('…' or "…"); V is a number, quoted
 * text, true or false; KEY is letters, digits, "_" or "-". Anywhere a value
 * goes, "it", "that" or "the result" stands for the previous step's result;
 * a step with one operand ("multiply by 4") applies it to the previous result.
 *
 * Example: "add 2 and 3, then multiply by 4, uppercase 'hello world',
 * store the result as greeting".
 */

/** A value written in the task, or the previous step's result. */
export type Operand<T> = { kind: "literal"; value: T } | { kind: "previous" };

/** What one step calls, with which operands. */
export type StepBody =
  | { tool: "add" | "multiply" | "divide"; a: Operand<number>; b: Operand<number> }
  | { tool: "uppercase" | "reverse" | "word_count"; text: Operand<string> }
  /** `key` undefined: the task did not name one, the planner asks for it. */
  | { tool: "kv_set"; key: string | undefined; value: Operand<string | number | boolean> }
  | { tool: "kv_get" | "kv_delete"; key: string }
  | { tool: "kv_list" };

/** One step of a parsed task; `source` is the step as written. */
export type PlannedStep = StepBody & { source: string };

/** A one-line reminder of the language, for error messages. */
export const GRAMMAR_HINT =
  "write steps like \"add 2 and 3, then multiply by 4, uppercase 'hello', store the result as answer, get answer\"";

const KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** True for a valid key of the key-value tools: letters, digits, "_" or "-", at most 64. */
export function isValidKey(text: string): boolean {
  return KEY.test(text);
}

/** Parses a task into steps, or explains which step it cannot read and why. */
export function parseTask(text: string): { ok: true; steps: PlannedStep[] } | { ok: false; error: string } {
  const tokenized = tokenize(text);
  if (!tokenized.ok) return { ok: false, error: `${tokenized.error}; ${GRAMMAR_HINT}` };
  const steps: PlannedStep[] = [];
  for (const tokens of splitSteps(tokenized.tokens)) {
    const source = tokens.map(showToken).join(" ");
    try {
      const step = new StepParser(tokens, steps.length === 0).parse();
      steps.push({ source, ...step });
    } catch (error) {
      if (!(error instanceof GrammarError)) throw error;
      return { ok: false, error: `step ${steps.length + 1} ("${source}"): ${error.message}; ${GRAMMAR_HINT}` };
    }
  }
  if (steps.length === 0) return { ok: false, error: `the task has no steps; ${GRAMMAR_HINT}` };
  return { ok: true, steps };
}

/** Cuts at separators and "then", dropping a joining "and" ("…, and then …"). */
function splitSteps(tokens: readonly Token[]): Token[][] {
  const steps: Token[][] = [[]];
  for (const token of tokens) {
    const current = steps.at(-1) ?? [];
    if (token.kind === "separator" || isWord(token, "then")) {
      const last = current.at(-1);
      if (last !== undefined && isWord(last, "and")) current.pop();
      steps.push([]);
      continue;
    }
    if (current.length === 0 && isWord(token, "and")) continue;
    current.push(token);
  }
  return steps.filter((step) => step.length > 0);
}

function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === "word" && words.includes(token.lower);
}

class GrammarError extends Error {}

/** Reads one step's tokens from left to right. */
class StepParser {
  #at = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly first: boolean,
  ) {}

  parse(): StepBody {
    const verb = this.#take();
    const step = this.#body(verb);
    const extra = this.tokens[this.#at];
    if (extra !== undefined) throw new GrammarError(`did not expect ${JSON.stringify(showToken(extra))} here`);
    return step;
  }

  #body(verb: Token | undefined): StepBody {
    const name = verb?.kind === "word" ? verb.lower : "";
    switch (name) {
      case "add": {
        const x = this.#number();
        if (!this.#accept("and", "to")) return { tool: "add", a: this.#previous(), b: x };
        return { tool: "add", a: x, b: this.#number() };
      }
      case "multiply":
      case "divide": {
        const tool = name;
        const joins = tool === "multiply" ? ["by", "and"] : ["by"];
        if (this.#accept("by")) return { tool, a: this.#previous(), b: this.#number() };
        const x = this.#number();
        if (!this.#accept(...joins)) return { tool, a: this.#previous(), b: x };
        return { tool, a: x, b: this.#number() };
      }
      case "uppercase":
      case "reverse":
        return { tool: name, text: this.#text() };
      case "count":
        this.#accept("the");
        this.#expect("words");
        this.#accept("in", "of");
        return { tool: "word_count", text: this.#text() };
      case "word":
        this.#expect("count");
        this.#accept("in", "of");
        return { tool: "word_count", text: this.#text() };
      case "store":
      case "save": {
        const value = this.#value();
        if (this.tokens[this.#at] === undefined) return { tool: "kv_set", key: undefined, value };
        this.#expect("as", "under");
        return { tool: "kv_set", key: this.#key(), value };
      }
      case "set": {
        const key = this.#key();
        this.#expect("to");
        return { tool: "kv_set", key, value: this.#value() };
      }
      case "get":
      case "recall":
        return { tool: "kv_get", key: this.#key() };
      case "delete":
      case "remove":
        return { tool: "kv_delete", key: this.#key() };
      case "list":
        this.#accept("the");
        this.#accept("stored");
        this.#expect("keys");
        return { tool: "kv_list" };
      default:
        throw new GrammarError(
          verb === undefined
            ? "the step is empty"
            : `unknown action ${JSON.stringify(showToken(verb))}; known actions: add, multiply, divide, uppercase, reverse, count words, store, set, get, delete, list keys`,
        );
    }
  }

  #number(): Operand<number> {
    if (this.#acceptPrevious()) return this.#previous();
    const token = this.#take();
    if (token?.kind === "number") return { kind: "literal", value: token.value };
    throw this.#expected("a number, \"it\" or \"the result\"", token);
  }

  #text(): Operand<string> {
    if (this.#acceptPrevious()) return this.#previous();
    const token = this.#take();
    if (token?.kind === "string") return { kind: "literal", value: token.value };
    throw this.#expected("quoted text, \"it\" or \"the result\"", token);
  }

  #value(): Operand<string | number | boolean> {
    if (this.#acceptPrevious()) return this.#previous();
    const token = this.#take();
    if (token?.kind === "string" || token?.kind === "number") return { kind: "literal", value: token.value };
    if (isWord(token, "true", "false")) return { kind: "literal", value: isWord(token, "true") };
    throw this.#expected("a number, quoted text, true, false, \"it\" or \"the result\"", token);
  }

  #key(): string {
    this.#accept("key");
    const token = this.#take();
    if ((token?.kind === "word" || token?.kind === "number") && KEY.test(token.text)) return token.text;
    throw this.#expected("a key (letters, digits, \"_\" or \"-\")", token);
  }

  /** The previous step's result; refused in the first step, which has none. */
  #previous(): Operand<never> {
    if (this.first) throw new GrammarError("it uses the previous result, but it is the first step");
    return { kind: "previous" };
  }

  #acceptPrevious(): boolean {
    if (this.#accept("it", "that")) return true;
    if (isWord(this.tokens[this.#at], "the") && isWord(this.tokens[this.#at + 1], "result")) {
      this.#at += 2;
      return true;
    }
    return false;
  }

  #accept(...words: string[]): boolean {
    if (!isWord(this.tokens[this.#at], ...words)) return false;
    this.#at++;
    return true;
  }

  #expect(...words: string[]): void {
    const token = this.tokens[this.#at];
    if (!this.#accept(...words)) throw this.#expected(words.map((w) => `"${w}"`).join(" or "), token);
  }

  #take(): Token | undefined {
    return this.tokens[this.#at++];
  }

  #expected(what: string, token: Token | undefined): GrammarError {
    return new GrammarError(`expected ${what}, found ${token === undefined ? "the end of the step" : JSON.stringify(showToken(token))}`);
  }
}
