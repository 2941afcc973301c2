/**
 * The fast path (runtime/src/resilience/fast-path.ts): attempts on a closed
 * circuit with a free bulkhead slot skip cockatiel's execute, and breakers,
 * bulkheads and events end up exactly as execute leaves them.
 * fast-path-off.test.ts runs the same scenarios with the fast path off.
 */
import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  handleAll,
  isBulkheadRejectedError,
  type IBreaker,
} from "cockatiel";
import { afterEach, describe, expect, test, vi } from "vitest";
import { Code, KledError, Resilience, type NodeCaller } from "@kled/runtime";
import {
  breakerRecorder,
  bulkheadSlots,
  recordClosedFailure,
  recordClosedSuccess,
  releaseSlot,
  takeSlot,
} from "../../runtime/src/resilience/fast-path.js";
import {
  breakerScenario,
  bulkheadScenario,
  CONSECUTIVE_STEPS,
  CONSECUTIVE_TRACE,
  SAMPLING_STEPS,
} from "./support/fast-path-scenarios.js";
import { echoRequest, TEST_SERVICE } from "./support/fake-caller.js";
import { BULKHEAD_TRACE, SAMPLING_TRACE } from "./support/fast-path-traces.js";

afterEach(() => vi.restoreAllMocks());

describe("through Resilience.execute", () => {
  test("consecutive breaker: counting, opening, open rejection, half-open probes, reset; execute only off the closed circuit", async () => {
    const execute = vi.spyOn(CircuitBreakerPolicy.prototype, "execute");
    expect(await breakerScenario({ threshold: 3, halfOpenAfterMs: 40 }, CONSECUTIVE_STEPS)).toEqual(CONSECUTIVE_TRACE);
    // The two half-open probes; every attempt on the closed circuit took the fast path.
    expect(execute).toHaveBeenCalledTimes(2);
  });

  test("sampling breaker opens at the configured share, as with execute", async () => {
    expect(
      await breakerScenario({ kind: "sampling", threshold: 0.5, samplingDurationMs: 1_000, minimumRps: 5, halfOpenAfterMs: 40 }, SAMPLING_STEPS),
    ).toEqual(SAMPLING_TRACE);
  });

  test("bulkhead: slots taken on the fast path, the queue and rejections through execute, the queued call gets a freed slot", async () => {
    const execute = vi.spyOn(BulkheadPolicy.prototype, "execute");
    expect(await bulkheadScenario(2, 1, 5, (attempt) => attempt < 2)).toEqual(BULKHEAD_TRACE);
    // The queued call and the two rejected ones; the dequeued call runs execute again.
    expect(execute).toHaveBeenCalledTimes(4);
  });
});

describe("against cockatiel's execute, step by step", () => {
  type Step = "success" | "failure";

  /** Two breakers alike: `a` driven by execute, `b` by the fast path's records; their states and events must match after every step. */
  async function compare(make: () => IBreaker, steps: readonly Step[], opensAt: number): Promise<void> {
    const events = { a: [] as string[], b: [] as string[] };
    const build = (side: "a" | "b") => {
      const breaker = make();
      const policy = circuitBreaker(handleAll, { halfOpenAfter: 1_000, breaker });
      policy.onBreak((reason) => events[side].push(`break ${"error" in reason ? String(reason.error) : "?"}`));
      policy.onHalfOpen(() => events[side].push("halfOpen"));
      policy.onReset(() => events[side].push("reset"));
      return { breaker, policy };
    };
    const a = build("a");
    const b = build("b");
    const recorder = breakerRecorder(b.policy);
    expect(recorder).toBeDefined();
    for (const [i, step] of steps.entries()) {
      const error = new Error(`failure ${i}`);
      await a.policy.execute(() => (step === "success" ? Promise.resolve(i) : Promise.reject(error))).catch(() => undefined);
      // The fast path runs only on a closed circuit; otherwise execute, as on side a.
      if (b.policy.state !== CircuitState.Closed) {
        await b.policy.execute(() => (step === "success" ? Promise.resolve(i) : Promise.reject(error))).catch(() => undefined);
      } else if (step === "success") recordClosedSuccess(b.breaker);
      else recordClosedFailure(b.breaker, recorder!, error);
      expect(b.policy.state, `step ${i}`).toBe(a.policy.state);
      expect(b.breaker.state, `step ${i}`).toEqual(a.breaker.state);
      expect(String((b.policy.lastFailure as { error?: unknown } | undefined)?.error)).toBe(
        String((a.policy.lastFailure as { error?: unknown } | undefined)?.error),
      );
      expect(events.b).toEqual(events.a);
    }
    // The scenario does open the circuit, where the configuration says.
    expect(events.a[0]).toBe(`break Error: failure ${opensAt}`);
  }

  test("consecutive", async () => {
    await compare(() => new ConsecutiveBreaker(3), ["success", "failure", "success", "failure", "failure", "failure", "success", "failure"], 5);
  });

  test("sampling", async () => {
    const steps: Step[] = ["success", "failure", "failure", "success", "failure", "failure", "failure", "success"];
    await compare(() => new SamplingBreaker({ threshold: 0.5, duration: 1_000, minimumRps: 5 }), steps, 4);
  });

  test("a failure of a call that started on the closed circuit reopens a half-open one, as execute does", async () => {
    vi.useFakeTimers();
    try {
      const events: string[] = [];
      const breaker = new ConsecutiveBreaker(1);
      const policy = circuitBreaker(handleAll, { halfOpenAfter: 10, breaker });
      policy.onBreak(() => events.push("break"));
      policy.onHalfOpen(() => events.push("halfOpen"));
      recordClosedFailure(breaker, breakerRecorder(policy)!, new Error("first"));
      vi.advanceTimersByTime(20);
      let finishProbe!: () => void;
      const probe = policy.execute(() => new Promise<void>((resolve) => (finishProbe = resolve)));
      expect(policy.state).toBe(CircuitState.HalfOpen);
      recordClosedFailure(breaker, breakerRecorder(policy)!, new Error("late"));
      expect(policy.state).toBe(CircuitState.Open);
      expect(events).toEqual(["break", "halfOpen", "break"]);
      finishProbe();
      await probe;
      expect(policy.state).toBe(CircuitState.Open);
    } finally {
      vi.useRealTimers();
    }
  });

  test("bulkhead slots: a slot taken here counts against execute's limit and queue, and its release starts the queued call", async () => {
    const policy = bulkhead(1, 1);
    const slots = bulkheadSlots(policy)!;
    expect(slots).toBeDefined();
    expect(takeSlot(slots)).toBe(true);
    expect(takeSlot(slots)).toBe(false);
    expect(policy.executionSlots).toBe(0);
    let ran = false;
    const queued = policy.execute(async () => void (ran = true));
    expect(policy.queueSlots).toBe(0);
    await expect(policy.execute(async () => undefined)).rejects.toSatisfy(isBulkheadRejectedError);
    await Promise.resolve();
    expect(ran).toBe(false);
    releaseSlot(slots);
    await queued;
    expect(ran).toBe(true);
    expect(policy.executionSlots).toBe(1);
  });
});

describe("a node caller that throws from send instead of rejecting", () => {
  test("fails the call with its error and gives its bulkhead slot back", async () => {
    const resilience = new Resilience({
      services: { [TEST_SERVICE]: { bulkhead: { limit: 1, queue: 0 }, retry: { enabled: false } } },
    });
    let sends = 0;
    const caller: NodeCaller = {
      pick: () => ({ id: "a", address: "a:1" }),
      send() {
        sends++;
        throw new KledError(Code.Unavailable, `send ${sends} threw`);
      },
    };
    // With the slot kept by the first call, the second would be refused by the bulkhead.
    for (const n of [1, 2, 3]) {
      const error = (await resilience.execute(echoRequest(), caller).catch((e: unknown) => e)) as KledError;
      expect(error).toBeInstanceOf(KledError);
      expect(error.rawMessage).toBe(`send ${n} threw`);
    }
    expect(sends).toBe(3);
  });
});
