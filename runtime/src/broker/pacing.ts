/**
 * Waiting, shared by the brokers: backoff between retries, pauses that a
 * closing subscription cuts short, and bounded waits during a drain.
 */

/**
 * The pause before retry number `attempt` (1 for the first): `firstMs`,
 * doubling per attempt, at most `maxMs`, with ±20 % jitter so that a burst
 * of failures (or many subscribers) does not come back at one instant.
 */
export function backoffMs(attempt: number, firstMs: number, maxMs: number): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 20));
  return Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Waits for `promise` (its outcome ignored), but at most `ms`. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  await Promise.race([promise.then(noop, noop), timeout]);
  clearTimeout(timer);
}

function noop(): void {}
