/** The signals that ask a service to stop, as process managers send them. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Resolves with the first stop signal the process receives. While it waits,
 * the signals do not kill the process (their default action), so the service
 * can stop gracefully; a second signal during the stop is the caller's to
 * handle.
 */
export function waitForStopSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const handlers = new Map<StopSignal, () => void>();
    for (const signal of STOP_SIGNALS) {
      const handler = (): void => {
        for (const [s, h] of handlers) process.off(s, h);
        resolve(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  });
}
