/**
 * The scenarios of fast-path.test.ts with the fast path off (as with a
 * cockatiel whose private members it does not find): every attempt through
 * cockatiel's execute, the traces the same.
 */
import { BulkheadPolicy, CircuitBreakerPolicy } from "cockatiel";
import { afterEach, expect, test, vi } from "vitest";
import {
  breakerScenario,
  bulkheadScenario,
  CONSECUTIVE_STEPS,
  CONSECUTIVE_TRACE,
  SAMPLING_STEPS,
} from "./support/fast-path-scenarios.js";
import { BULKHEAD_TRACE, SAMPLING_TRACE } from "./support/fast-path-traces.js";

vi.mock("../../runtime/src/resilience/fast-path.js", async (original) => ({
  ...(await original<typeof import("../../runtime/src/resilience/fast-path.js")>()),
  breakerRecorder: () => undefined,
  bulkheadSlots: () => undefined,
}));

afterEach(() => vi.restoreAllMocks());

test("consecutive breaker, through execute", async () => {
  const execute = vi.spyOn(CircuitBreakerPolicy.prototype, "execute");
  expect(await breakerScenario({ threshold: 3, halfOpenAfterMs: 40 }, CONSECUTIVE_STEPS)).toEqual(CONSECUTIVE_TRACE);
  expect(execute.mock.calls.length).toBeGreaterThan(2);
});

test("sampling breaker, through execute", async () => {
  expect(
    await breakerScenario({ kind: "sampling", threshold: 0.5, samplingDurationMs: 1_000, minimumRps: 5, halfOpenAfterMs: 40 }, SAMPLING_STEPS),
  ).toEqual(SAMPLING_TRACE);
});

test("bulkhead, through execute", async () => {
  const execute = vi.spyOn(BulkheadPolicy.prototype, "execute");
  expect(await bulkheadScenario(2, 1, 5, (attempt) => attempt < 2)).toEqual(BULKHEAD_TRACE);
  expect(execute.mock.calls.length).toBeGreaterThan(4);
});
