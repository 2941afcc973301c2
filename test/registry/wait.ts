import type { RegistryEvent, Watcher } from "../../runtime/src/registry/registry.js";

/** Bounded waits for registry tests: every wait fails with a message instead of hanging. */

/** The next event of `watcher` (whose iterator the caller passes), or a rejection after `timeoutMs`. */
export async function nextEvent(
  events: AsyncIterator<RegistryEvent>,
  timeoutMs: number,
): Promise<RegistryEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no registry event within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([events.next(), timeout]);
    if (result.done) throw new Error("watcher ended");
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** Events of a watcher as an iterator, for {@link nextEvent}. */
export function eventsOf(watcher: Watcher): AsyncIterator<RegistryEvent> {
  return watcher[Symbol.asyncIterator]();
}

/** Polls `check` until it returns true; rejects after `timeoutMs`. Returns the elapsed milliseconds. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 25,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
