import { setMaxListeners } from "node:events";

/**
 * The signal of calls that nothing can cancel, shared by all of them. Code
 * that would listen to a call's signal checks {@link canAbort} first: with
 * many calls in flight the listeners of one shared signal pile up, and
 * Node's addEventListener walks them all on every add (its duplicate check),
 * which made listening cost O(calls in flight) per call.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
// Should a listener be added anyway, many are expected, not a leak.
setMaxListeners(0, NEVER_ABORTED);

/** False for {@link NEVER_ABORTED}: no need to listen to it. */
export function canAbort(signal: AbortSignal): boolean {
  return signal !== NEVER_ABORTED;
}
