/**
 * The bookkeeping of cockatiel's breaker and bulkhead, done around an
 * attempt instead of by wrapping it, for the common attempt: the node's
 * circuit closed and a bulkhead slot free. Wrapping costs two async
 * functions, a promise and a result object per policy on every call; the
 * bookkeeping itself is a counter or two.
 *
 * Faithful by construction: these functions perform exactly the steps that
 * cockatiel 4.0's `CircuitBreakerPolicy.execute` (closed state) and
 * `BulkheadPolicy.execute` (slot free) perform, on the same objects, so the
 * breaker opens after the same failures with the same break event, and a
 * queued call gets the slot an attempt leaves as it would. Anything else
 * (open or half-open circuit, full bulkhead: queueing, rejection, probing)
 * stays with cockatiel's `execute` (resilience.ts).
 *
 * Some of those steps are private members of cockatiel's classes. They are
 * looked up once per policy; when they are not there (a cockatiel release
 * that renamed them), the fast path is off for that policy and every attempt
 * takes `execute`, slower but the same.
 */
import { CircuitState, type BulkheadPolicy, type CircuitBreakerPolicy, type IBreaker } from "cockatiel";
import { NEVER_ABORTED } from "../transport/abort.js";

/** What cockatiel 4.0's BulkheadPolicy keeps privately, as its `execute` uses it. */
export interface BulkheadSlots {
  readonly capacity: number;
  active: number;
  /** Starts the first queued call, if any (on the next microtask). */
  dequeue(): void;
}

/** What cockatiel 4.0's CircuitBreakerPolicy does privately when a closed circuit's call fails. */
export interface BreakerRecorder {
  /** The breaker's `lastFailure`. */
  innerLastFailure: unknown;
  /** Opens the circuit (emits break and state change); a no-op when open or isolated. */
  open(reason: { error: unknown }, signal: AbortSignal): void;
}

/** `policy`'s slots, or undefined when this cockatiel keeps them otherwise. */
export function bulkheadSlots(policy: BulkheadPolicy): BulkheadSlots | undefined {
  const inner = policy as unknown as Partial<BulkheadSlots>;
  if (typeof inner.capacity !== "number" || typeof inner.active !== "number" || typeof inner.dequeue !== "function") return undefined;
  return inner as BulkheadSlots;
}

/** `policy`'s recorder, or undefined when this cockatiel records otherwise. */
export function breakerRecorder(policy: CircuitBreakerPolicy): BreakerRecorder | undefined {
  const inner = policy as unknown as Partial<BreakerRecorder>;
  if (!("innerLastFailure" in inner) || typeof inner.open !== "function") return undefined;
  return inner as BreakerRecorder;
}

/** Takes a slot as `execute` does when one is free; false when none is (the call must go through `execute`: queue or rejection). */
export function takeSlot(slots: BulkheadSlots): boolean {
  if (slots.active >= slots.capacity) return false;
  slots.active++;
  return true;
}

/** Gives the slot back as `execute` does when its call settles: the first queued call gets it. */
export function releaseSlot(slots: BulkheadSlots): void {
  slots.active--;
  slots.dequeue();
}

/**
 * Records a call that started while the circuit was closed and was not a
 * failure for the breaker (a success, or a business error), as `execute`
 * does: the breaker hears a success in the closed state.
 */
export function recordClosedSuccess(breaker: IBreaker): void {
  breaker.success(CircuitState.Closed);
}

/**
 * Records a node failure of a call that started while the circuit was
 * closed, as `execute` does: the breaker hears a failure in the closed
 * state and, if that trips it, the circuit opens with `error` as the reason
 * (unless it is open already).
 */
export function recordClosedFailure(breaker: IBreaker, recorder: BreakerRecorder, error: unknown): void {
  const result = { error };
  recorder.innerLastFailure = result;
  // execute() passes the signal it was given, and the breaker is run without one.
  if (breaker.failure(CircuitState.Closed)) recorder.open(result, NEVER_ABORTED);
}
