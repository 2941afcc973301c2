/**
 * Breaker and bulkhead scenarios through Resilience.execute, each returning
 * a trace (every call's outcome and every event, in order) for
 * fast-path.test.ts and fast-path-off.test.ts: the same traces with the
 * fast path (fast-path.ts) as with cockatiel's execute for every attempt.
 */
import { Code, KledError, Resilience, type BreakerConfig, type ResilienceEventName } from "@kled/runtime";
import { answer, echoRequest, fakeCaller, TEST_SERVICE } from "./fake-caller.js";

type Mode = "ok" | "business" | "down" | "not-connected";

const EVENTS: readonly ResilienceEventName[] = ["retry", "break", "halfOpen", "reset", "bulkheadReject"];

function traced(config: ConstructorParameters<typeof Resilience>[0]) {
  const resilience = new Resilience(config);
  const trace: string[] = [];
  for (const name of EVENTS) {
    resilience.events.on(name, (event) => {
      const { halfOpenAt: _time, error, ...rest } = event as unknown as Record<string, unknown>;
      trace.push(`event ${name} ${JSON.stringify(rest)}${error instanceof KledError ? ` error=${error.code}:${error.rawMessage}` : ""}`);
    });
  }
  return { resilience, trace };
}

function outcome(error: unknown): string {
  if (!(error instanceof KledError)) return `non-KledError ${String(error)}`;
  // The probe wait counts down in ms; its figure is not the point.
  return `error ${error.code}: ${error.rawMessage.replace(/probed in \d+ ms/, "probed in N ms")}`;
}

/** A single node whose answers follow `modes`; retries off, so that every call is one attempt. */
export async function breakerScenario(breaker: BreakerConfig, modes: ReadonlyArray<Mode | { wait: number }>): Promise<string[]> {
  const { resilience, trace } = traced({ services: { [TEST_SERVICE]: { breaker, retry: { enabled: false } } } });
  let mode: Mode = "ok";
  const { caller } = fakeCaller(["a"], (node) => () => {
    switch (mode) {
      case "ok":
        return answer(node);
      case "business":
        throw new KledError(Code.NotFound, "no such thing");
      case "down":
        throw new KledError(Code.Unavailable, "connection reset");
      case "not-connected":
        throw new KledError(Code.Unavailable, "No connection established");
    }
  });
  for (const step of modes) {
    if (typeof step === "object") {
      await new Promise((resolve) => setTimeout(resolve, step.wait));
      continue;
    }
    mode = step;
    const result = await resilience.execute(echoRequest(), caller).then(
      () => "ok",
      (error: unknown) => outcome(error),
    );
    trace.push(`${step} → ${result} (circuit ${resilience.circuitState(TEST_SERVICE, "a")})`);
  }
  return trace;
}

/** `calls` calls at once into a bulkhead of `limit` + `queue`, the first ones held until all have started. */
export async function bulkheadScenario(limit: number, queue: number, calls: number, fail: (index: number) => boolean): Promise<string[]> {
  const { resilience, trace } = traced({
    services: { [TEST_SERVICE]: { bulkhead: { limit, queue }, breaker: { threshold: 2 }, retry: { enabled: false } } },
  });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let index = 0;
  const { caller, attempts } = fakeCaller(["a"], (node) => async () => {
    const mine = index++;
    await gate;
    if (fail(mine)) throw new KledError(Code.Unavailable, `attempt ${mine} failed`);
    return answer(node);
  });
  const results = Array.from({ length: calls }, (_, i) =>
    resilience.execute(echoRequest(), caller).then(
      () => `call ${i} ok`,
      (error: unknown) => `call ${i} ${outcome(error)}`,
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  trace.push(`${attempts.length} attempts started before the release`);
  release();
  trace.push(...(await Promise.all(results)));
  trace.push(`${attempts.length} attempts in all, circuit ${resilience.circuitState(TEST_SERVICE, "a")}`);
  return trace;
}

export const CONSECUTIVE_STEPS: ReadonlyArray<Mode | { wait: number }> = [
  "ok",
  "business",
  "down",
  "down",
  "business",
  "down",
  "not-connected",
  "down",
  "ok",
  { wait: 60 },
  "down",
  "ok",
  { wait: 60 },
  "ok",
  "down",
  "down",
  "ok",
  "down",
];

export const SAMPLING_STEPS: ReadonlyArray<Mode | { wait: number }> = ["ok", "down", "business", "down", "down", "ok", { wait: 60 }, "ok", "ok"];

/** What both paths must produce for CONSECUTIVE_STEPS with threshold 3, half-open after 40 ms. */
export const CONSECUTIVE_TRACE = [
  "ok → ok (circuit closed)",
  "business → error 5: no such thing (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  "business → error 5: no such thing (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  "not-connected → error 14: No connection established (circuit closed)",
  `event break {"service":"${TEST_SERVICE}","node":"a"} error=14:connection reset`,
  "down → error 14: connection reset (circuit open)",
  `ok → error 14: no available node for service "${TEST_SERVICE}" (1 known, 1 excluded); 1 of them skipped because their circuit is open, the first may be probed in N ms (circuit open)`,
  `event halfOpen {"service":"${TEST_SERVICE}","node":"a"}`,
  `event break {"service":"${TEST_SERVICE}","node":"a"} error=14:connection reset`,
  "down → error 14: connection reset (circuit open)",
  `ok → error 14: no available node for service "${TEST_SERVICE}" (1 known, 1 excluded); 1 of them skipped because their circuit is open, the first may be probed in N ms (circuit open)`,
  `event halfOpen {"service":"${TEST_SERVICE}","node":"a"}`,
  `event reset {"service":"${TEST_SERVICE}","node":"a"}`,
  "ok → ok (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  "ok → ok (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
];
