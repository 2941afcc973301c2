import { pauseBeforeRetry } from "../retry-pause.js";
import type { IndexedResult } from "./agent-api.js";

/** Timing of {@link runBlockingQuery}, in milliseconds. */
export interface BlockingQueryTiming {
  waitMs: number;
  retryMs: number;
  retryMaxMs: number;
}

/**
 * Runs a Consul blocking query until `signal` aborts, handing every answer to
 * `onResult`. Follows Consul's rules for blocking clients
 * (api-docs/features/blocking): the first query does not block; each next
 * one passes the last `X-Consul-Index`; an index that goes backwards (an
 * agent restarted without its state, a restored snapshot) restarts from 0;
 * an index below 1 is raised to 1 so that the next query still blocks.
 * Errors are retried with exponential backoff and jitter, for as long as the
 * signal allows: a watcher outlives an agent outage. Internal.
 */
export async function runBlockingQuery<T>(
  query: (index: number, waitMs: number, signal: AbortSignal) => Promise<IndexedResult<T>>,
  onResult: (body: T) => void,
  timing: BlockingQueryTiming,
  signal: AbortSignal,
): Promise<void> {
  let index = 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const result = await query(index, timing.waitMs, signal);
      if (signal.aborted) return;
      failures = 0;
      index = result.index < index ? 0 : Math.max(1, result.index);
      onResult(result.body);
    } catch {
      if (signal.aborted) return;
      await pauseBeforeRetry(failures++, timing.retryMs, timing.retryMaxMs, signal);
    }
  }
}
