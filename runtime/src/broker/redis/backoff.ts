import { backoffMs } from "../../timing/backoff.js";

/** First pause after a failed Redis command of a subscriber's loop, in milliseconds. */
const RETRY_FIRST_MS = 100;

/** Longest pause between retries, in milliseconds: an outage costs a few commands a minute. */
const RETRY_MAX_MS = 5_000;

/** The pause before retry number `failures` (1 for the first) of a Redis command. */
export function redisRetryMs(failures: number): number {
  return backoffMs(failures, RETRY_FIRST_MS, RETRY_MAX_MS);
}
