/**
 * The retry policy of one call: cockatiel's retry with exponential backoff
 * and decorrelated jitter, its waits cut short at the call's deadline so
 * that no wait outlasts it (the attempt after such a wait finds the deadline
 * passed and fails with DEADLINE_EXCEEDED instead of starting).
 */
import {
  ExponentialBackoff,
  decorrelatedJitterGenerator,
  handleWhen,
  retry,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
} from "cockatiel";
import { KledError } from "../errors/kled-error.js";
import type { RetrySettings } from "./policy.js";

/**
 * A retry policy for one call. `shouldRetry` decides per failure (code,
 * idempotency, deadline, stream state); `settings.maxAttempts` counts the
 * first attempt, cockatiel's `maxAttempts` does not.
 */
export function callRetryPolicy(
  settings: RetrySettings,
  deadline: number | undefined,
  shouldRetry: (error: KledError) => boolean,
  /** A wait was cut at the deadline (see CallState.waitedToDeadline). */
  onWaitCut: () => void,
): RetryPolicy {
  const backoff = new ExponentialBackoff({
    generator: decorrelatedJitterGenerator,
    initialDelay: settings.initialDelayMs,
    maxDelay: settings.maxDelayMs,
  });
  return retry(
    handleWhen((error) => error instanceof KledError && shouldRetry(error)),
    {
      maxAttempts: settings.enabled ? settings.maxAttempts - 1 : 0,
      backoff: deadline === undefined ? backoff : boundedBy(backoff, deadline, onWaitCut),
    },
  );
}

type Context = IRetryBackoffContext<unknown>;

/** `factory`'s waits, none longer than the time left until `deadline` (epoch ms); `onCut` when one is cut there. */
function boundedBy(factory: IBackoffFactory<unknown>, deadline: number, onCut: () => void): IBackoffFactory<Context> {
  const bound = (backoff: IBackoff<unknown>): IBackoff<Context> => {
    const left = deadline - Date.now();
    if (backoff.duration >= left) onCut();
    return {
      duration: Math.max(0, Math.min(backoff.duration, left)),
      next: (context) => bound(backoff.next(context)),
    };
  };
  return { next: (context) => bound(factory.next(context)) };
}
