import { afterEach, describe, expect, it, vi } from "vitest";
import { pauseBeforeRetry } from "../../runtime/src/registry/retry-pause.js";

/** Whether `promise` has settled after the timers due so far ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe("pauseBeforeRetry (the registry watchers' backoff)", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("waits half the doubled backoff at least and all of it at most, capped at retryMaxMs", async () => {
    vi.useFakeTimers();
    const signal = new AbortController().signal;
    // retry 2 of 100 ms doubling: 400 ms; the least random draw waits half of it.
    vi.spyOn(Math, "random").mockReturnValue(0);
    let pausing = pauseBeforeRetry(2, 100, 10_000, signal);
    await vi.advanceTimersByTimeAsync(199);
    expect(await settled(pausing)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(pausing)).toBe(true);
    // The greatest draw waits (nearly) all of a backoff capped at retryMaxMs.
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    pausing = pauseBeforeRetry(10, 100, 1_000, signal);
    await vi.advanceTimersByTimeAsync(998);
    expect(await settled(pausing)).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(await settled(pausing)).toBe(true);
  });

  it("ends at once when the watcher stops", async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    const pausing = pauseBeforeRetry(0, 60_000, 60_000, stop.signal);
    expect(await settled(pausing)).toBe(false);
    stop.abort();
    expect(await settled(pausing)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
