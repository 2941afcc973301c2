/**
 * Waiting that a stop cuts short, shared by the brokers (between redeliveries
 * and reconnects) and the registries' watchers (between retries): one
 * timer-plus-abort dance instead of one per concept.
 */

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
