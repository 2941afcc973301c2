import { NodeTable } from "./node-table.js";
import type { QueueWatcher } from "./queue-watcher.js";
import { resolveTtl, splitNodes, validateRecord } from "./record.js";
import type { RegisterOptions, Registry, ServiceRecord, Watcher, WatchOptions } from "./registry.js";

/** Options of {@link MemoryRegistry}. */
export interface MemoryRegistryOptions {
  /**
   * Use the one store of this process instead of a private one, so that
   * every part of a process (its services and its clients) sees the same
   * registrations without passing the instance around. Default false.
   */
  shared?: boolean;
}

/** The store behind every `MemoryRegistry({ shared: true })` of this process. */
const sharedTable = new NodeTable();

/**
 * A registry inside one process: for tests and single-process programs.
 * Nodes expire after their TTL like everywhere else, so code that forgets to
 * refresh its registration fails here too.
 */
export class MemoryRegistry implements Registry {
  readonly name = "memory";
  readonly #table: NodeTable;
  readonly #ownsTable: boolean;
  readonly #watchers = new Set<QueueWatcher>();
  #closed = false;

  constructor(options: MemoryRegistryOptions = {}) {
    this.#ownsTable = options.shared !== true;
    this.#table = this.#ownsTable ? new NodeTable() : sharedTable;
  }

  // async so that every failure, validation included, is a rejection, not a throw.
  async register(service: ServiceRecord, options: RegisterOptions = {}): Promise<void> {
    this.#assertOpen();
    validateRecord(this.name, service);
    const ttlMs = resolveTtl(this.name, options.ttlMs);
    for (const record of splitNodes(service)) this.#table.upsert(nodeKey(record), record, ttlMs);
  }

  async deregister(service: ServiceRecord): Promise<void> {
    this.#assertOpen();
    for (const record of splitNodes(service)) this.#table.remove(nodeKey(record));
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    this.#assertOpen();
    return this.#table.records(name);
  }

  /** One record per name and version, with its nodes. */
  async listServices(): Promise<ServiceRecord[]> {
    this.#assertOpen();
    return this.#table.records();
  }

  watch(options: WatchOptions = {}): Watcher {
    this.#assertOpen();
    for (const watcher of this.#watchers) if (watcher.stopped) this.#watchers.delete(watcher);
    const watcher = this.#table.watch(options);
    this.#watchers.add(watcher);
    return watcher;
  }

  /** Stops this registry's watchers; a private store is emptied, the shared one kept. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const watcher of this.#watchers) watcher.stop();
    this.#watchers.clear();
    if (this.#ownsTable) this.#table.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`registry "memory": closed; create a new registry`);
  }
}

function nodeKey(record: ServiceRecord): string {
  return `${record.name}\0${record.version}\0${record.nodes[0]?.id ?? ""}`;
}
