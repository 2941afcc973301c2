/** What the scenarios of fast-path-scenarios.ts give through cockatiel's execute (recorded with the fast path off), which the fast path must give too. */
import { TEST_SERVICE } from "./fake-caller.js";

const node = `{"service":"${TEST_SERVICE}","node":"a"}`;
const skipped = `error 14: no available node for service "${TEST_SERVICE}" (1 known, 1 excluded); 1 of them skipped because their circuit is open, the first may be probed in N ms`;
const full = `error 8: service "${TEST_SERVICE}": bulkhead full (2 calls running, 1 waiting); retry later, or raise bulkhead.limit or bulkhead.queue for this service`;
const reject = `event bulkheadReject {"service":"${TEST_SERVICE}","method":"/kled.test.v1.EchoService/Echo","limit":2,"queue":1}`;

/** SAMPLING_STEPS, threshold 0.5 over 1 s, minimum 5 calls/s, half-open after 40 ms. */
export const SAMPLING_TRACE: readonly string[] = [
  "ok → ok (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  "business → error 5: no such thing (circuit closed)",
  "down → error 14: connection reset (circuit closed)",
  `event break ${node} error=14:connection reset`,
  "down → error 14: connection reset (circuit open)",
  `ok → ${skipped} (circuit open)`,
  `event halfOpen ${node}`,
  `event reset ${node}`,
  "ok → ok (circuit closed)",
  "ok → ok (circuit closed)",
];

/**
 * Bulkhead 2 + 1, five calls at once, the first two attempts failing (the
 * breaker's threshold is 2): two run, one waits, two are turned away; the
 * failures open the circuit; the waiting call, started on the closed
 * circuit, still runs and succeeds.
 */
export const BULKHEAD_TRACE: readonly string[] = [
  reject,
  reject,
  "2 attempts started before the release",
  `event break ${node} error=14:attempt 1 failed`,
  "call 0 error 14: attempt 0 failed",
  "call 1 error 14: attempt 1 failed",
  "call 2 ok",
  `call 3 ${full}`,
  `call 4 ${full}`,
  "3 attempts in all, circuit open",
];
