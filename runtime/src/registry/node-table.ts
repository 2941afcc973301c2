import { QueueWatcher } from "./queue-watcher.js";
import { cloneRecord, mergeByVersion, sameRecord } from "./record.js";
import type { RegistryEvent, RegistryEventType, ServiceRecord, WatchOptions } from "./registry.js";

interface Entry {
  /** A record with exactly one node. */
  record: ServiceRecord;
  /** `performance.now()` time after which the node is gone. */
  expiresAt: number;
  timer: NodeJS.Timeout;
}

/**
 * Nodes with a TTL, keyed by a string the owner chooses, that tells watchers
 * what changed. The memory registry stores registrations in one; the mDNS
 * registry caches what it hears from the network in one. Expiry happens
 * lazily on read and by a timer per node, so that watchers learn of a dead
 * node even when nobody reads. Timers are unref()'d: a table never keeps the
 * process alive. Internal.
 */
export class NodeTable {
  readonly #entries = new Map<string, Entry>();
  readonly #watchers = new Set<{ watcher: QueueWatcher; service: string | undefined }>();

  /**
   * Adds or refreshes a node for `ttlMs` milliseconds. Returns the event it
   * emitted: `create` for a new node, `update` when the record changed,
   * `undefined` for a refresh that changed nothing.
   */
  upsert(key: string, record: ServiceRecord, ttlMs: number): RegistryEventType | undefined {
    this.#expireIfDue(key);
    const previous = this.#entries.get(key);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.remove(key), ttlMs).unref();
    const entry: Entry = { record: cloneRecord(record), expiresAt: performance.now() + ttlMs, timer };
    const type = previous === undefined ? "create" : sameRecord(previous.record, record) ? undefined : "update";
    // Re-inserting moves a changed node last, which is where mergeByVersion
    // takes a group's service-level fields from.
    if (type !== undefined) this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (type !== undefined) this.#emit({ type, service: record });
    return type;
  }

  /** Removes a node; emits `delete` and returns true when it was there. */
  remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.#entries.delete(key);
    this.#emit({ type: "delete", service: entry.record });
    return true;
  }

  /** The live nodes, merged into one record per name and version. */
  records(name?: string): ServiceRecord[] {
    const live: ServiceRecord[] = [];
    for (const key of [...this.#entries.keys()]) {
      const entry = this.#expireIfDue(key);
      if (entry && (name === undefined || entry.record.name === name)) live.push(entry.record);
    }
    return mergeByVersion(live);
  }

  watch(options: WatchOptions = {}): QueueWatcher {
    const subscription = {
      watcher: new QueueWatcher(() => this.#watchers.delete(subscription)),
      service: options.service,
    };
    this.#watchers.add(subscription);
    return subscription.watcher;
  }

  /** Forgets every node without events and stops every watcher. */
  clear(): void {
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    this.#entries.clear();
    for (const { watcher } of [...this.#watchers]) watcher.stop();
  }

  /** Removes the node when its TTL has passed; returns the entry when still live. */
  #expireIfDue(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= performance.now()) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }

  #emit(event: RegistryEvent): void {
    for (const { watcher, service } of this.#watchers) {
      if (service === undefined || service === event.service.name) {
        watcher.push({ type: event.type, service: cloneRecord(event.service) });
      }
    }
  }
}
