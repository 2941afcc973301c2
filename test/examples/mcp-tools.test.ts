import type { JsonObject } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import { describe, expect, it } from "vitest";
import { KvStore } from "../../examples/src/mcp/kv-store.js";
import type { ToolOutcome } from "../../examples/src/mcp/tools/tool.js";
import { exampleTools } from "../../examples/src/mcp/tools/tool-registry.js";

const noProgress = { signal: new AbortController().signal, progress: () => undefined };

function call(name: string, args: JsonObject, store = new KvStore()): Promise<ToolOutcome> {
  return Promise.resolve(exampleTools(store).get(name).prepare(args)(noProgress));
}

/** The KledError a synchronous argument check throws. */
function rejection(name: string, args: JsonObject): KledError {
  try {
    exampleTools(new KvStore()).get(name).prepare(args);
  } catch (error) {
    if (error instanceof KledError) return error;
    throw error;
  }
  throw new Error(`tool ${name} accepted ${JSON.stringify(args)}`);
}

describe("arithmetic tools", () => {
  it("add, multiply and divide compute", async () => {
    expect(await call("add", { a: 2, b: 3 })).toEqual({ ok: true, result: 5 });
    expect(await call("multiply", { a: -2.5, b: 4 })).toEqual({ ok: true, result: -10 });
    expect(await call("divide", { a: 10, b: 4 })).toEqual({ ok: true, result: 2.5 });
  });

  it("reports division by zero as a tool error, not a protocol error", async () => {
    const outcome = await call("divide", { a: 1, b: 0 });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? "" : outcome.error).toMatch(/cannot divide 1 by zero/);
  });

  it("reports an overflow as a tool error", async () => {
    const outcome = await call("multiply", { a: 1e308, b: 10 });
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/overflows/) });
  });

  it("answers INVALID_ARGUMENT naming the argument and the value", () => {
    const wrongType = rejection("add", { a: "two", b: 3 });
    expect(wrongType.code).toBe(Code.InvalidArgument);
    expect(wrongType.rawMessage).toBe('tool "add": argument "a" must be a finite number; got "two"');
    expect(rejection("add", { a: 1 }).rawMessage).toBe('tool "add": argument "b" must be a finite number; it is missing');
    expect(rejection("divide", { a: 1, b: 2, c: 3 }).rawMessage).toMatch(/unknown argument "c"; the tool accepts "a", "b"/);
  });
});

describe("text tools", () => {
  it("uppercase, reverse and word_count transform text", async () => {
    expect(await call("uppercase", { text: "hello kled" })).toEqual({ ok: true, result: "HELLO KLED" });
    expect(await call("reverse", { text: "abc" })).toEqual({ ok: true, result: "cba" });
    expect(await call("word_count", { text: "the quick, brown fox!" })).toEqual({
      ok: true,
      result: 4,
      details: { characters: 21 },
    });
  });

  it("reverses by grapheme, keeping combining accents and emoji whole", async () => {
    expect(await call("reverse", { text: "e\u0301a👍🏽" })).toEqual({ ok: true, result: "👍🏽ae\u0301" });
  });

  it("rejects text that is not a string or too long", () => {
    expect(rejection("uppercase", { text: 42 }).rawMessage).toMatch(/argument "text" must be a string of 0 to 10000 characters; got 42/);
    expect(rejection("reverse", { text: "x".repeat(10_001) }).code).toBe(Code.InvalidArgument);
  });
});

describe("key-value tools", () => {
  it("set, get, list and delete values of one store", async () => {
    const store = new KvStore();
    expect(await call("kv_set", { key: "a", value: 1 }, store)).toEqual({ ok: true, result: 1, details: { key: "a", replaced: false } });
    expect(await call("kv_set", { key: "a", value: "one" }, store)).toMatchObject({ details: { replaced: true } });
    await call("kv_set", { key: "b", value: true }, store);
    expect(await call("kv_get", { key: "a" }, store)).toEqual({ ok: true, result: "one", details: { key: "a" } });
    expect(await call("kv_list", {}, store)).toEqual({ ok: true, result: ["a", "b"] });
    expect(await call("kv_delete", { key: "a" }, store)).toEqual({ ok: true, result: true, details: { key: "a" } });
    expect(await call("kv_delete", { key: "a" }, store)).toEqual({ ok: true, result: false, details: { key: "a" } });
  });

  it("reports a missing key as a tool error", async () => {
    expect(await call("kv_get", { key: "nope" })).toMatchObject({ ok: false, error: expect.stringMatching(/no value is stored under key "nope"/) });
  });

  it("rejects bad keys and values", () => {
    expect(rejection("kv_set", { key: "a b", value: 1 }).rawMessage).toMatch(/argument "key" must be a string of 1 to 64 characters matching/);
    expect(rejection("kv_set", { key: "a", value: { nested: 1 } }).rawMessage).toMatch(/argument "value" must be a string, a finite number or a boolean; got \{"nested":1\}/);
    expect(rejection("kv_get", {}).rawMessage).toMatch(/argument "key" .* it is missing/);
  });
});

describe("tool registry", () => {
  it("answers NOT_FOUND naming an unknown tool", () => {
    const error = (() => {
      try {
        exampleTools(new KvStore()).get("subtract");
      } catch (e) {
        return e as KledError;
      }
      throw new Error("no error");
    })();
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toMatch(/^no tool named "subtract"; this server offers add, multiply/);
  });

  it("publishes an object input schema and an output schema with result for every tool", () => {
    for (const tool of exampleTools(new KvStore()).list()) {
      expect(tool.inputSchema).toMatchObject({ type: "object", additionalProperties: false });
      expect(tool.outputSchema).toMatchObject({ type: "object", required: expect.arrayContaining(["result"]) });
      expect(typeof tool.annotations.readOnlyHint).toBe("boolean");
      expect(typeof tool.annotations.idempotentHint).toBe("boolean");
    }
  });

  it("countdown reports progress and stops when aborted", async () => {
    const reports: string[] = [];
    const tool = exampleTools(new KvStore()).get("countdown");
    const outcome = await tool.prepare({ from: 3, interval_ms: 0 })({
      signal: new AbortController().signal,
      progress: (value, total, message) => reports.push(`${value}/${total} ${message}`),
    });
    expect(outcome).toEqual({ ok: true, result: "3 2 1 0" });
    expect(reports).toEqual(["1/4 3", "2/4 2", "3/4 1", "4/4 0"]);

    const controller = new AbortController();
    const running = tool.prepare({ from: 100, interval_ms: 1000 })({ signal: controller.signal, progress: () => undefined });
    controller.abort(new Error("stop"));
    await expect(running).rejects.toThrow("stop");
  });
});
