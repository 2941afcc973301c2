import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from "../../peers/etcd3.js";
import { QueueWatcher } from "../queue-watcher.js";
import { cloneRecord, sameRecord } from "../record.js";
import { pauseBeforeRetry } from "../retry-pause.js";
import type { ServiceRecord } from "../registry.js";
import { decodeRecord, prefixEnd } from "./keys.js";
import { readRange } from "./read-range.js";

/** How a watch reaches etcd. */
export interface EtcdWatchContext {
  client: Etcd3;
  /** First delay before a failed watch is restarted, in milliseconds; doubles per failure. */
  retryMs: number;
  retryMaxMs: number;
}

/** Why one watch stream ended. */
type Ending = "compacted" | "failed" | "stopped";

/**
 * A watcher of the key range `prefix`, fed by etcd's Watch API through its
 * own gRPC stream.
 *
 * It keeps a view of the range (key → one-node record) and the revision up
 * to which the view is complete. It starts by reading the range (every live
 * node is reported as `create`, so that a node registered while the watch
 * was starting is not missed, as the Consul registry does) and watches from
 * the read's revision + 1; every event moves the revision to its
 * `mod_revision`, and progress notifications (sent only once the watch has
 * caught up) to their header revision.
 *
 * When the stream breaks (a member killed, a network failure), it watches
 * again from revision + 1 on whichever member answers: etcd replays the
 * events since, none twice (events at or below the revision are skipped
 * besides). When etcd has compacted that history (the watch is cancelled
 * with `compact_revision`), it reads the range again and reports the
 * difference between the view and the read (`create`, `update`, `delete`),
 * then watches from the new read's revision: the net change of the lost
 * history, without a replay. Restarts back off exponentially, so a watcher
 * outlives an outage. The revision is kept by us, not the library's watcher,
 * whose resume point moves to the current revision as soon as the stream
 * is created, before the older events have arrived. Internal.
 */
export function watchEtcd(context: EtcdWatchContext, prefix: string): QueueWatcher {
  const abort = new AbortController();
  const watcher = new QueueWatcher(() => abort.abort());
  void follow(context, prefix, watcher, abort.signal);
  return watcher;
}

async function follow(context: EtcdWatchContext, prefix: string, watcher: QueueWatcher, signal: AbortSignal): Promise<void> {
  const view = new Map<string, ServiceRecord>();
  const state = { revision: undefined as number | undefined, failures: 0 };

  const put = (key: string, record: ServiceRecord): void => {
    const previous = view.get(key);
    view.set(key, record);
    if (!previous) watcher.push({ type: "create", service: cloneRecord(record) });
    else if (!sameRecord(previous, record)) watcher.push({ type: "update", service: cloneRecord(record) });
  };
  const remove = (key: string): void => {
    const previous = view.get(key);
    if (!previous) return;
    view.delete(key);
    watcher.push({ type: "delete", service: cloneRecord(previous) });
  };

  while (!signal.aborted) {
    let ending: Ending = "failed";
    try {
      if (state.revision === undefined) {
        const read = await readRange(context.client, prefix);
        if (signal.aborted) return;
        const live = new Set(read.nodes.map((node) => node.key));
        for (const key of [...view.keys()]) if (!live.has(key)) remove(key);
        for (const node of read.nodes) put(node.key, node.record);
        state.revision = read.revision;
      }
      ending = await watchFrom(context.client, prefix, state, { put, remove }, signal);
    } catch {
      // etcd unreachable (read or stream): retry below.
    }
    if (signal.aborted || ending === "stopped") return;
    if (ending === "compacted") state.revision = undefined;
    // The first restart in a row is immediate: another member is likely up.
    if (state.failures > 0) {
      await pauseBeforeRetry(state.failures - 1, context.retryMs, context.retryMaxMs, signal);
    }
    state.failures++;
  }
}

/**
 * One watch stream from `state.revision + 1`, applying its events, until it
 * ends; `state.failures` is reset once etcd has accepted the watch.
 */
async function watchFrom(
  client: Etcd3,
  prefix: string,
  state: { revision: number | undefined; failures: number },
  apply: { put: (key: string, record: ServiceRecord) => void; remove: (key: string) => void },
  signal: AbortSignal,
): Promise<Ending> {
  const stream: IDuplexStream<IWatchRequest, IWatchResponse> = await client.watchClient.watch();
  return new Promise<Ending>((resolve) => {
    let ended = false;
    const end = (ending: Ending): void => {
      if (ended) return;
      ended = true;
      signal.removeEventListener("abort", stop);
      // Ending the request side first: the library counts an error on a
      // stream still writable (our own CANCELLED included) against the
      // member, and three in a row would open its circuit breaker.
      stream.end();
      stream.cancel();
      resolve(ending);
    };
    const stop = (): void => end("stopped");
    if (signal.aborted) return end("stopped");
    signal.addEventListener("abort", stop, { once: true });

    stream.on("data", (response) => {
      if (ended) return;
      if (response.compact_revision !== "0" && response.compact_revision !== "") return end("compacted");
      if (response.canceled) return end("failed");
      if (response.created) {
        state.failures = 0;
        return;
      }
      const since = state.revision ?? 0;
      let revision = since;
      for (const event of response.events) {
        const modRevision = Number(event.kv.mod_revision);
        if (modRevision <= since) continue;
        revision = Math.max(revision, modRevision);
        const key = event.kv.key.toString();
        const record = event.type === "Put" ? decodeRecord(event.kv.value) : undefined;
        if (record) apply.put(key, record);
        else apply.remove(key);
      }
      // An answer without events is a progress notification: everything up to
      // its header revision has been sent.
      if (response.events.length === 0) revision = Math.max(revision, Number(response.header.revision));
      state.revision = revision;
    });
    stream.on("error", () => end("failed"));
    stream.on("end", () => end("failed"));

    const key = Buffer.from(prefix);
    stream.write({
      create_request: { key, range_end: prefixEnd(key), start_revision: (state.revision ?? 0) + 1, progress_notify: true },
    });
  });
}
