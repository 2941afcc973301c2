import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import { cloneRecord } from "../record.js";
import type { RegisterOptions, Registry, RegistryEvent, ServiceRecord, Watcher, WatchOptions } from "../registry.js";
import { applyEvent } from "./apply-event.js";

/** Options of {@link CachedRegistry}. */
export interface CachedRegistryOptions {
  /** How long a lookup's answer is served before a background lookup refreshes it, in milliseconds. Default {@link DEFAULT_REGISTRY_CACHE_TTL_MS}. */
  ttlMs?: number;
  /** Where outages and recoveries of the registry are reported. Default: nowhere. */
  logger?: Logger;
  /**
   * Whether `close()` also closes the wrapped registry. Default true; false
   * when the registry has another owner (a Service caching a registry it was
   * given).
   */
  closeWrapped?: boolean;
}

/**
 * One minute. Watch events keep entries current within milliseconds; the
 * refresh is a safety net for a watch that missed something, so it can be
 * slow, which keeps the registry's load per client small.
 */
export const DEFAULT_REGISTRY_CACHE_TTL_MS = 60_000;

/** What the cache knows of one service. */
interface Entry {
  /** The last answer with watch events applied; undefined until the first lookup succeeds. */
  records: ServiceRecord[] | undefined;
  /** `performance.now()` of the last lookup, successful or not. */
  lookedUpAt: number;
  /** The lookup under way, shared by every caller. */
  lookup: Promise<ServiceRecord[]> | undefined;
  /** Watch events that arrived while a lookup was under way, replayed onto its answer. */
  pending: RegistryEvent[] | undefined;
  watcher: Watcher | undefined;
}

/**
 * A registry whose `getService` answers from a cache, for clients (the
 * go-micro registry cache). The first lookup of a service starts a watch of
 * it and asks the registry; afterwards watch events keep the entry current
 * and a background lookup refreshes it once it is older than `ttlMs`.
 * Concurrent callers share one lookup per service.
 *
 * When the registry cannot be reached, the last known nodes keep being
 * served (a registry outage is not a service outage) and the logger gets one
 * warning per outage, and one note when the registry answers again. Only a
 * service never looked up successfully fails: there is nothing to serve.
 * Everything else (register, deregister, listServices, watch, close) goes
 * straight to the wrapped registry, which `close()` closes unless told not to.
 */
export class CachedRegistry implements Registry {
  readonly name: string;
  readonly #registry: Registry;
  readonly #ttlMs: number;
  readonly #logger: Logger | undefined;
  readonly #entries = new Map<string, Entry>();
  /** True from a failed lookup until the next successful one: warn once per outage. */
  #unreachable = false;
  #closed = false;
  readonly #closeWrapped: boolean;

  constructor(registry: Registry, options: CachedRegistryOptions = {}) {
    this.#registry = registry;
    this.name = registry.name;
    this.#ttlMs = options.ttlMs ?? DEFAULT_REGISTRY_CACHE_TTL_MS;
    this.#closeWrapped = options.closeWrapped ?? true;
    this.#logger = options.logger;
    if (!Number.isFinite(this.#ttlMs) || this.#ttlMs < 0) {
      throw new Error(`registry cache of "${registry.name}": ttlMs ${this.#ttlMs} is invalid; use a number of milliseconds ≥ 0`);
    }
  }

  register(service: ServiceRecord, options?: RegisterOptions): Promise<void> {
    return this.#registry.register(service, options);
  }

  deregister(service: ServiceRecord): Promise<void> {
    return this.#registry.deregister(service);
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    return (await this.sharedRecords(name)).map(cloneRecord);
  }

  /**
   * What {@link getService} answers, without the copy: the cached records
   * themselves, frozen throughout. For clients, which resolve the service
   * on every call and only read the records; a deep copy per call
   * (structuredClone) was a measurable share of a call's CPU time.
   */
  async sharedRecords(name: string): Promise<ServiceRecord[]> {
    return this.cachedRecords(name) ?? (await this.#lookUp(name, this.#entry(name)));
  }

  /**
   * The cached records of `name` as {@link sharedRecords} has them, or
   * undefined when the service was never looked up successfully (a lookup is
   * then needed). A stale entry is still answered, and refreshed behind.
   */
  cachedRecords(name: string): ServiceRecord[] | undefined {
    if (this.#closed) throw new Error(`registry "${this.name}": closed; create a new registry`);
    const entry = this.#entry(name);
    if (entry.records === undefined) return undefined;
    if (performance.now() - entry.lookedUpAt >= this.#ttlMs) {
      // Failures are handled (logged, stale nodes kept) inside the lookup.
      this.#lookUp(name, entry).catch(() => undefined);
    }
    return entry.records;
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.#registry.listServices();
  }

  watch(options?: WatchOptions): Watcher {
    return this.#registry.watch(options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#entries.values()) entry.watcher?.stop();
    this.#entries.clear();
    if (this.#closeWrapped) await this.#registry.close();
  }

  /** The entry of `name`; a new one starts watching the service. */
  #entry(name: string): Entry {
    let entry = this.#entries.get(name);
    if (entry) return entry;
    entry = { records: undefined, lookedUpAt: 0, lookup: undefined, pending: undefined, watcher: undefined };
    this.#entries.set(name, entry);
    this.#follow(name, entry);
    return entry;
  }

  #follow(name: string, entry: Entry): void {
    try {
      entry.watcher = this.#registry.watch({ service: name });
    } catch (error) {
      // Without a watch the entry is still refreshed every TTL.
      this.#logger?.warn(`registry "${this.name}": cannot watch service "${name}"; its cache entry is refreshed by lookups only`, { error });
      return;
    }
    const watcher = entry.watcher;
    void (async () => {
      for await (const event of watcher) {
        if (entry.pending) entry.pending.push(event);
        else if (entry.records) entry.records = frozen(applyEvent(entry.records, event));
      }
    })();
  }

  #lookUp(name: string, entry: Entry): Promise<ServiceRecord[]> {
    entry.lookup ??= this.#fetch(name, entry).finally(() => {
      entry.lookup = undefined;
    });
    return entry.lookup;
  }

  async #fetch(name: string, entry: Entry): Promise<ServiceRecord[]> {
    entry.pending = [];
    try {
      let records = await this.#registry.getService(name);
      for (const event of entry.pending) records = applyEvent(records, event);
      entry.records = frozen(records);
      this.#reachable();
      return entry.records;
    } catch (error) {
      if (entry.records === undefined) {
        throw new Error(`${messageOf(error)}; no nodes of service "${name}" are cached to fall back on`, { cause: error });
      }
      this.#outage(name, entry, error);
      for (const event of entry.pending) entry.records = frozen(applyEvent(entry.records, event));
      return entry.records;
    } finally {
      entry.pending = undefined;
      // After a failure too: retry when the next TTL passes, not on every call.
      entry.lookedUpAt = performance.now();
    }
  }

  #outage(name: string, entry: Entry, error: unknown): void {
    if (this.#unreachable) return;
    this.#unreachable = true;
    this.#logger?.warn(
      `registry "${this.name}" cannot be reached; serving the last known nodes from the cache until it answers again`,
      { service: name, sinceLastLookupMs: Math.round(performance.now() - entry.lookedUpAt), error },
    );
  }

  #reachable(): void {
    if (!this.#unreachable) return;
    this.#unreachable = false;
    this.#logger?.info(`registry "${this.name}" answers again; the cache is refreshed from it`);
  }
}

/** A deep copy of `records`, frozen throughout, so that sharing it with callers cannot corrupt the cache. */
function frozen(records: readonly ServiceRecord[]): ServiceRecord[] {
  const freeze = <T>(value: T): T => {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
      for (const field of Object.values(value)) freeze(field);
      Object.freeze(value);
    }
    return value;
  };
  return freeze(structuredClone(records) as ServiceRecord[]);
}
