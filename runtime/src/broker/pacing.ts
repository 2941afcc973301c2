/**
 * Waiting, shared by the brokers: backoff between retries and bounded waits
 * during a drain. Pauses that a closing subscription cuts short are
 * timing/pause.ts, shared with the registries.
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
