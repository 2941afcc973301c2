import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Code, DEFAULT_BREAKER_THRESHOLD, DEFAULT_BULKHEAD_LIMIT, DEFAULT_HALF_OPEN_AFTER_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS, loadResilienceConfig, Resilience, ResilienceConfigError, resilienceFromEnv, validateResilienceConfig } from "@kled/runtime";
import { EchoServiceDefinition } from "../gen/kled/test/v1/echo_kled.js";

const dir = mkdtempSync(join(tmpdir(), "kled-resilience-"));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ResilienceConfigError");
}

const example = {
  defaults: { retry: { maxAttempts: 2 } },
  services: {
    "kled.mcp.tools": {
      timeoutMs: 5000,
      retry: { maxAttempts: 4, initialDelayMs: 10, codes: ["UNAVAILABLE", "ABORTED"] },
      breaker: { threshold: 3, halfOpenAfterMs: 2000 },
      bulkhead: { limit: 8, queue: 4 },
      methods: { CallTool: { retry: { enabled: false } }, ListTools: { timeoutMs: 500 } },
    },
  },
};

describe("resilience configuration", () => {
  test("a valid file loads; fields fall back method → service → defaults → constants", () => {
    const resilience = Resilience.fromFile(file("ok.json", JSON.stringify(example)));
    const callTool = resilience.policy("kled.mcp.tools", "CallTool");
    expect(callTool.retry.enabled).toBe(false);
    expect(callTool.retry.maxAttempts).toBe(4);
    expect([...callTool.retry.codes]).toEqual([Code.Unavailable, Code.Aborted]);
    expect(callTool.breaker).toMatchObject({ kind: "consecutive", threshold: 3, halfOpenAfterMs: 2000 });
    expect(callTool.bulkhead).toMatchObject({ limit: 8, queue: 4 });

    const other = resilience.policy("kled.other", "Anything");
    expect(other.retry.maxAttempts).toBe(2);
    expect([...other.retry.codes]).toEqual([Code.Unavailable]);
    expect(other.breaker.threshold).toBe(DEFAULT_BREAKER_THRESHOLD);
    expect(other.breaker.halfOpenAfterMs).toBe(DEFAULT_HALF_OPEN_AFTER_MS);
    expect(other.bulkhead.limit).toBe(DEFAULT_BULKHEAD_LIMIT);
    expect(new Resilience().policy("x", "Y").retry.maxAttempts).toBe(DEFAULT_MAX_ATTEMPTS);
  });

  test("timeouts: a method's own applies to any kind, a service's only to single-response calls", () => {
    const resilience = new Resilience({
      services: { svc: { timeoutMs: 700, methods: { Count: { timeoutMs: 900 } } } },
    });
    const methods = EchoServiceDefinition.methods;
    expect(resilience.timeoutMs("svc", methods["echo"]!)).toBe(700);
    expect(resilience.timeoutMs("svc", methods["sum"]!)).toBe(700);
    expect(resilience.timeoutMs("svc", methods["count"]!)).toBe(900);
    expect(resilience.timeoutMs("svc", methods["chat"]!)).toBeUndefined();
    expect(resilience.timeoutMs("other", methods["echo"]!)).toBeUndefined();
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBeGreaterThan(0);
  });

  test("errors name the file and the field, with the value and what to use", () => {
    const bad = (name: string, value: unknown) => failure(() => loadResilienceConfig(file(name, JSON.stringify(value))));
    const path = join(dir, "attempts.json");
    expect(bad("attempts.json", { services: { s: { retry: { maxAttempts: 0 } } } })).toBe(
      `${path}: services["s"].retry.maxAttempts is 0; use an integer of at least 1`,
    );
    expect(bad("code.json", { defaults: { retry: { codes: ["UNAVAILABLE", "TEAPOT"] } } })).toMatch(
      /code\.json: defaults\.retry\.codes\[1\] is "TEAPOT"; use a status code name such as "UNAVAILABLE"/,
    );
    expect(bad("unknown.json", { services: { s: { retyr: {} } } })).toMatch(
      /unknown\.json: services\["s"\]\.retyr is not a known field; use one of timeoutMs, retry, breaker, bulkhead, methods/,
    );
    expect(bad("method-breaker.json", { services: { s: { methods: { M: { breaker: { threshold: 2 } } } } } })).toMatch(
      /services\["s"\]\.methods\.M\.breaker is set on a method; the breaker is per node/,
    );
    expect(bad("sampling.json", { defaults: { breaker: { kind: "sampling", threshold: 5 } } })).toMatch(
      /defaults\.breaker\.threshold is 5; for kind "sampling" use the failing share, above 0 and at most 1/,
    );
    expect(bad("kind.json", { defaults: { breaker: { kind: "fancy" } } })).toMatch(/defaults\.breaker\.kind is "fancy"; use "consecutive" or "sampling"/);
    expect(bad("timeout.json", { defaults: { timeoutMs: "5s" } })).toMatch(/defaults\.timeoutMs is "5s"; use a positive number of milliseconds/);
    expect(bad("queue.json", { defaults: { bulkhead: { queue: -1 } } })).toMatch(/defaults\.bulkhead\.queue is -1; use an integer of at least 0/);
    expect(bad("root.json", [])).toMatch(/root\.json: the configuration is a list; expected an object/);
  });

  test("unreadable and malformed files name the file", () => {
    expect(failure(() => loadResilienceConfig(join(dir, "missing.json")))).toMatch(/missing\.json: cannot read the resilience configuration: .*ENOENT/);
    expect(failure(() => loadResilienceConfig(file("broken.json", "{ services: ")))).toMatch(/broken\.json: not valid JSON/);
  });

  test("a configuration written in code is validated the same way", () => {
    expect(failure(() => new Resilience({ defaults: { bulkhead: { limit: 0 } } }))).toBe(
      "resilience config: defaults.bulkhead.limit is 0; use an integer of at least 1",
    );
    expect(validateResilienceConfig(example, "inline")).toBe(example);
  });
});

describe("resilienceFromEnv", () => {
  test("reads the file KLED_RESILIENCE_CONFIG names, else uses the defaults", () => {
    const path = file("env.json", JSON.stringify({ services: { s: { retry: { maxAttempts: 5 } } } }));
    expect(resilienceFromEnv({ KLED_RESILIENCE_CONFIG: path }).policy("s", "M").retry.maxAttempts).toBe(5);
    expect(resilienceFromEnv({}).policy("s", "M").retry.maxAttempts).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(failure(() => resilienceFromEnv({ KLED_RESILIENCE_CONFIG: join(dir, "nope.json") }))).toMatch(/nope\.json: cannot read/);
  });
});
