/** Bulkhead rejection, breaker transitions and the events (and log records) they produce. */
import { describe, expect, test } from "vitest";
import { Code, KledError, logResilienceEvents, Resilience, type ClientResponse, type ResilienceEventMap } from "@kled/runtime";
import { captureLogger } from "../runtime/support/capture-logger.js";
import { answer, echoRequest, fakeCaller, TEST_SERVICE } from "./support/fake-caller.js";

const quick = { initialDelayMs: 0, maxDelayMs: 0 };

describe("bulkhead", () => {
  test("beyond limit + queue, calls are rejected with RESOURCE_EXHAUSTED naming the service and limits", async () => {
    const resilience = new Resilience({ services: { [TEST_SERVICE]: { bulkhead: { limit: 2, queue: 1 } } } });
    const rejects: Array<ResilienceEventMap["bulkheadReject"]> = [];
    resilience.events.on("bulkheadReject", (event) => rejects.push(event));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { caller, attempts } = fakeCaller(["a"], (node) => async () => {
      await gate;
      return answer(node);
    });
    const calls = Array.from({ length: 5 }, () => resilience.execute(echoRequest(), caller).then(() => "ok", (e: unknown) => e));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(attempts).toHaveLength(2);
    release();
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === "ok")).toHaveLength(3);
    const rejected = results.filter((r): r is KledError => r instanceof KledError);
    expect(rejected).toHaveLength(2);
    for (const error of rejected) {
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(error.rawMessage).toBe(
        `service "${TEST_SERVICE}": bulkhead full (2 calls running, 1 waiting); retry later, or raise bulkhead.limit or bulkhead.queue for this service`,
      );
    }
    expect(rejects).toEqual([
      { service: TEST_SERVICE, method: "/kled.test.v1.EchoService/Echo", limit: 2, queue: 1 },
      { service: TEST_SERVICE, method: "/kled.test.v1.EchoService/Echo", limit: 2, queue: 1 },
    ]);
  });

  test("a rejection does not count against the node's breaker and is not retried", async () => {
    const resilience = new Resilience({
      services: { [TEST_SERVICE]: { bulkhead: { limit: 1, queue: 0 }, breaker: { threshold: 1 } } },
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { caller, attempts } = fakeCaller(["a", "b"], (node) => async () => (await gate, answer(node)));
    const first = resilience.execute(echoRequest(), caller);
    const second = await resilience.execute(echoRequest(), caller).catch((e: unknown) => e);
    expect((second as KledError).code).toBe(Code.ResourceExhausted);
    release();
    await first;
    expect(attempts).toEqual(["a"]);
    expect(resilience.circuitState(TEST_SERVICE, "a")).toBe("closed");
    expect(resilience.circuitState(TEST_SERVICE, "b")).toBe("closed");
  });
});

describe("events", () => {
  test("retry, break, half-open and reset are emitted and logged; business errors keep the circuit closed", async () => {
    const resilience = new Resilience({
      services: { [TEST_SERVICE]: { retry: quick, breaker: { threshold: 2, halfOpenAfterMs: 50 } } },
    });
    const names: string[] = [];
    for (const name of ["retry", "break", "halfOpen", "reset", "bulkheadReject", "rateLimited"] as const) {
      resilience.events.on(name, () => names.push(name));
    }
    const logger = captureLogger();
    const stop = logResilienceEvents(resilience.events, logger);
    let healthy = false;
    let business = false;
    const { caller } = fakeCaller(["a"], (node) => async (): Promise<ClientResponse> => {
      if (business) throw new KledError(Code.NotFound, "no such thing");
      if (!healthy) throw new KledError(Code.Unavailable, "node down");
      return answer(node);
    });

    // Attempt 1 fails; attempt 2 (a again: the only node) fails and opens
    // the circuit; attempt 3 finds no node whose circuit is closed.
    const first = (await resilience.execute(echoRequest(), caller).catch((e: unknown) => e)) as KledError;
    expect(names).toEqual(["retry", "break", "retry"]);
    expect(first.rawMessage).toMatch(/skipped because their circuit is open/);
    expect(resilience.circuitState(TEST_SERVICE, "a")).toBe("open");
    const skipped = (await resilience.execute(echoRequest(), caller).catch((e: unknown) => e)) as KledError;
    expect(skipped.code).toBe(Code.Unavailable);
    expect(skipped.rawMessage).toMatch(/1 of them skipped because their circuit is open, the first may be probed in \d+ ms/);

    await new Promise((resolve) => setTimeout(resolve, 60));
    healthy = true;
    await resilience.execute(echoRequest(), caller);
    expect(names.slice(-2)).toEqual(["halfOpen", "reset"]);
    expect(resilience.circuitState(TEST_SERVICE, "a")).toBe("closed");

    business = true;
    for (let i = 0; i < 4; i++) await resilience.execute(echoRequest(), caller).catch(() => undefined);
    expect(resilience.circuitState(TEST_SERVICE, "a")).toBe("closed");

    stop();
    const messages = logger.records.map((r) => `${r.level} ${r.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "info retrying call",
        "warn circuit opened; skipping node",
        "info circuit half-open; probing node",
        "info circuit closed; node recovered",
      ]),
    );
    const opened = logger.records.find((r) => r.message === "circuit opened; skipping node");
    expect(opened?.fields).toMatchObject({ service: TEST_SERVICE, node: "a", error: "[UNAVAILABLE] node down" });
    const count = logger.records.length;
    resilience.events.emit("rateLimited", { side: "client", key: "k", method: "/m", retryAfterMs: 5 });
    expect(logger.records).toHaveLength(count);
  });

  test("a throwing listener does not break the call or the other listeners", async () => {
    const resilience = new Resilience({ defaults: { retry: quick } });
    const seen: number[] = [];
    resilience.events.on("retry", () => {
      throw new Error("listener bug");
    });
    resilience.events.on("retry", (event) => seen.push(event.attempt));
    let calls = 0;
    const { caller } = fakeCaller(["a", "b"], (node) => async () => {
      if (++calls === 1) throw new KledError(Code.Unavailable, "down");
      return answer(node);
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      await resilience.execute(echoRequest(), caller);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(seen).toEqual([2]);
    expect(warnings.some((w) => w.includes('a resilience "retry" listener threw'))).toBe(true);
  });
});
