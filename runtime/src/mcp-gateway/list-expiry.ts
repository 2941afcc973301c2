/**
 * When the gateway lists a backend again because its lists' ttl_ms ran out
 * (kled.mcp.v1's CacheableResult, revision 2026-07-28).
 *
 * On a timer, not lazily on the next client request: clients cache the
 * lists (the 2.x client by ttl, hosts by putting the tool list in the
 * model's context) and ask again only when told the list changed. A re-list
 * that waited for a request would come only from clients that happen to
 * ask, so a change would stay unannounced to exactly the clients that rely
 * on list_changed notifications. A timer per backend finds the change
 * within its ttl and announces it to everyone; it costs the backend one
 * listing per ttl, bounded below by a floor.
 */

/**
 * Default least milliseconds between two listings of one backend prompted
 * by its ttl: a backend may say 0 ("stale at once", as the example service
 * does for data that tool calls change); five seconds keeps that to four
 * small unary calls per backend per five seconds while a change still
 * reaches clients within seconds.
 */
export const DEFAULT_MIN_RELIST_INTERVAL_MS = 5_000;

/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One timer per backend, re-armed each time the backend is listed. */
export class ListExpiry {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #minIntervalMs: number;
  readonly #onExpired: (service: string) => void;

  constructor(onExpired: (service: string) => void, minIntervalMs = DEFAULT_MIN_RELIST_INTERVAL_MS) {
    this.#onExpired = onExpired;
    this.#minIntervalMs = minIntervalMs;
  }

  /**
   * Calls back for `service` once `expiresInMs` from now (at least the
   * floor) have passed, replacing any earlier timer; undefined (the backend
   * set no ttl) only cancels.
   */
  arm(service: string, expiresInMs: number | undefined): void {
    this.cancel(service);
    if (expiresInMs === undefined) return;
    const delay = Math.min(Math.max(expiresInMs, this.#minIntervalMs), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(service);
      this.#onExpired(service);
    }, delay);
    // A pending re-list must not keep a process alive that is otherwise done.
    timer.unref();
    this.#timers.set(service, timer);
  }

  cancel(service: string): void {
    clearTimeout(this.#timers.get(service));
    this.#timers.delete(service);
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
