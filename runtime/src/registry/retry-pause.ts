import { pause } from "../timing/pause.js";

/**
 * The pause of a registry watcher (etcd watch, Consul blocking query) before
 * retry number `retry` (0 for the first) after its backend failed: `retryMs`
 * doubling per retry, at most `retryMaxMs`, of which a random half is waited
 * ("equal jitter") so that the watchers of many processes do not all come
 * back at one instant, yet never retry sooner than half the backoff.
 * Resolves early when `signal` aborts. Internal.
 */
export function pauseBeforeRetry(retry: number, retryMs: number, retryMaxMs: number, signal: AbortSignal): Promise<void> {
  const backoff = Math.min(retryMaxMs, retryMs * 2 ** retry);
  return pause(backoff / 2 + (Math.random() * backoff) / 2, signal);
}
