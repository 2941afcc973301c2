/**
 * The pause before retry number `attempt` (1 for the first): `firstMs`,
 * doubling per attempt, at most `maxMs`, with ±20 % jitter so that a burst
 * of failures (or many subscribers) does not come back at one instant.
 */
export function backoffMs(attempt: number, firstMs: number, maxMs: number): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 20));
  return Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
}
