/** First pause after a failed Redis command of a subscriber's loop, in milliseconds. */
const RETRY_FIRST_MS = 100;

/** Longest pause between retries, in milliseconds: an outage costs a few commands a minute. */
const RETRY_MAX_MS = 5_000;

/** The pause before retry number `failures` (1 for the first): doubling, capped, with ±20 % jitter so that subscribers spread out. */
export function backoffMs(failures: number): number {
  const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 16));
  return Math.round(base * (0.8 + Math.random() * 0.4));
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
