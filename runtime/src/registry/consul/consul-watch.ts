import { QueueWatcher } from "../queue-watcher.js";
import { cloneRecord, sameRecord } from "../record.js";
import type { ServiceRecord, WatchOptions } from "../registry.js";
import type { AgentApi, CatalogServices, HealthServiceEntry } from "./agent-api.js";
import { type BlockingQueryTiming, runBlockingQuery } from "./blocking-query.js";

/** The watch's view of one service: its healthy nodes by Consul service ID, as one-node records. */
interface ServiceView {
  known: Map<string, ServiceRecord>;
  abort: AbortController;
}

/** How a watch reads Consul. */
export interface ConsulWatchContext {
  api: AgentApi;
  timing: BlockingQueryTiming;
  /** Kled's one-node records in a health answer; other instances are left out. */
  recordsOf: (entries: HealthServiceEntry[]) => ServiceRecord[];
  /** True for catalog services that are Kled's. */
  isKled: (tags: string[]) => boolean;
}

/**
 * A watcher fed by Consul blocking queries: one on
 * `/v1/health/service/:name?passing=true` per watched service, and for a
 * watch of every service one on `/v1/catalog/services` that starts and stops
 * the per-service ones as services appear and vanish.
 *
 * Each answer is diffed with the previous one: new nodes are `create`,
 * changed ones `update`, nodes gone or no longer passing `delete`; a node
 * registered again at another version is a `delete` of the old registration
 * and a `create` of the new, as in the other registries. The first
 * answer reports every live node as `create`, so that a node registered while
 * the first query was under way is not missed. While the agent is unreachable
 * the view is kept (an unreachable agent says nothing about the nodes) and
 * queries are retried with backoff; the next answer is diffed with the view
 * from before the outage. Internal.
 */
export function watchConsul(context: ConsulWatchContext, options: WatchOptions): QueueWatcher {
  const abort = new AbortController();
  const watcher = new QueueWatcher(() => abort.abort());
  const views = new Map<string, ServiceView>();

  const emitDiff = (view: ServiceView, records: ServiceRecord[]): void => {
    const next = new Map(records.map((record) => [record.nodes[0]?.id ?? "", record]));
    for (const [id, record] of next) {
      const previous = view.known.get(id);
      if (!previous) {
        watcher.push({ type: "create", service: cloneRecord(record) });
      } else if (previous.version !== record.version) {
        // A node is registered per version: at another version it is another registration.
        watcher.push({ type: "delete", service: cloneRecord(previous) });
        watcher.push({ type: "create", service: cloneRecord(record) });
      } else if (!sameRecord(previous, record)) {
        watcher.push({ type: "update", service: cloneRecord(record) });
      }
    }
    for (const [id, record] of view.known) {
      if (!next.has(id)) watcher.push({ type: "delete", service: cloneRecord(record) });
    }
    view.known = next;
  };

  const watchService = (name: string): void => {
    const view: ServiceView = { known: new Map(), abort: new AbortController() };
    views.set(name, view);
    const signal = AbortSignal.any([abort.signal, view.abort.signal]);
    void runBlockingQuery(
      (index, waitMs, querySignal) => context.api.healthyInstances(name, { index, waitMs, signal: querySignal }),
      (entries) => emitDiff(view, context.recordsOf(entries)),
      context.timing,
      signal,
    );
  };

  const onCatalog = (services: CatalogServices): void => {
    const names = new Set(Object.keys(services).filter((name) => context.isKled(services[name] ?? [])));
    for (const name of names) if (!views.has(name)) watchService(name);
    for (const [name, view] of views) {
      if (names.has(name)) continue;
      view.abort.abort();
      emitDiff(view, []);
      views.delete(name);
    }
  };

  if (options.service !== undefined) {
    watchService(options.service);
  } else {
    void runBlockingQuery(
      (index, waitMs, signal) => context.api.services({ index, waitMs, signal }),
      onCatalog,
      context.timing,
      abort.signal,
    );
  }
  return watcher;
}
