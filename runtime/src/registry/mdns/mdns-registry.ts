import makeMdns from "multicast-dns";
import { NodeTable } from "../node-table.js";
import type { QueueWatcher } from "../queue-watcher.js";
import { resolveTtl, splitNodes, validateRecord } from "../record.js";
import type { RegisterOptions, Registry, ServiceRecord, Watcher, WatchOptions } from "../registry.js";
import {
  type Answer,
  instanceName,
  MAX_MDNS_PACKET_BYTES,
  type MdnsNames,
  mdnsNames,
  nodeAnswers,
  packetBytes,
  readResponse,
} from "./dns-records.js";
import { type MdnsRegistryOptions, type ResolvedMdnsOptions, resolveMdnsOptions } from "./options.js";

/** Node timers overflow beyond 2^31-1 ms; a peer announcing more is capped. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A node this registry advertises. */
interface OwnNode {
  /** A record with exactly one node. */
  record: ServiceRecord;
  /** `performance.now()` time after which we stop answering for it. */
  expiresAt: number;
}

/**
 * Zero-configuration discovery over multicast DNS, the default registry (as in
 * go-micro): every process on a host or LAN finds every other one without a
 * server.
 *
 * Each node is a DNS-SD instance of `serviceType` (see dns-records.ts) whose
 * TXT record carries its service record. `register()` announces the node
 * (unsolicited response) and `deregister()` says goodbye (TTL 0); lookups
 * multicast a query, collect answers for `queryTimeoutMs` and read them from
 * a cache that also keeps every announcement heard. Cached nodes expire after
 * the TTL their owner announced, so a process that dies disappears once its
 * registration TTL passes; a node not refreshed by `register()` within its TTL
 * is no longer answered for.
 *
 * Watchers see the cache change: `create`/`update` from announcements and
 * answers, `delete` from goodbyes and expiry. Packets that are not ours or do
 * not parse are ignored. Call `close()` to release the socket: multicast-dns
 * keeps a membership-refresh interval that holds the process open until then.
 */
export class MdnsRegistry implements Registry {
  readonly name = "mdns";
  readonly #options: ResolvedMdnsOptions;
  readonly #names: MdnsNames;
  readonly #mdns: makeMdns.MulticastDNS;
  readonly #ready: Promise<void>;
  /** Nodes we advertise, by instance name. */
  readonly #own = new Map<string, OwnNode>();
  /** Every node known, ours included, by instance name. */
  readonly #cache = new NodeTable();
  readonly #watchers = new Set<QueueWatcher>();
  #lookup: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: MdnsRegistryOptions = {}) {
    this.#options = resolveMdnsOptions(options);
    const { bind, port, domain, serviceType } = this.#options;
    this.#names = mdnsNames(serviceType, domain);
    this.#mdns = makeMdns({
      bind,
      port,
      reuseAddr: true, // several registries per host, and per process, share port 5353
      loopback: true, // peers on this host hear us through the loopback copy
      ...(this.#options.interface === undefined ? {} : { interface: this.#options.interface }),
    });
    this.#ready = new Promise((resolve, reject) => {
      this.#mdns.once("ready", resolve);
      this.#mdns.once("error", (error: Error) => reject(this.#bindError(error)));
    });
    // The first operation reports a bind failure; until then nobody awaits it.
    this.#ready.catch(() => undefined);
    // An EventEmitter "error" without a listener would crash the process.
    this.#mdns.on("error", () => undefined);
    this.#mdns.on("warning", () => undefined);
    this.#mdns.on("response", (packet) => this.#onResponse(packet));
    this.#mdns.on("query", (packet) => this.#onQuery(packet));
  }

  async register(service: ServiceRecord, options: RegisterOptions = {}): Promise<void> {
    this.#assertOpen();
    validateRecord(this.name, service);
    const ttlMs = resolveTtl(this.name, options.ttlMs ?? this.#options.ttlMs);
    // Build every packet before changing anything, so an invalid node registers none.
    const nodes = splitNodes(service).map((record) => {
      const answers = nodeAnswers(this.#names, { record, ttlMs }, dnsTtl(ttlMs));
      const bytes = packetBytes(answers);
      if (bytes > MAX_MDNS_PACKET_BYTES) {
        throw new Error(
          `registry "mdns": the record of service "${service.name}" needs a ${bytes}-byte mDNS packet, over the ${MAX_MDNS_PACKET_BYTES}-byte limit; trim its metadata or endpoints, or use the consul registry`,
        );
      }
      return { record, answers };
    });
    await this.#ready;
    for (const { record, answers } of nodes) {
      const instance = instanceName(this.#names, record);
      this.#own.set(instance, { record, expiresAt: performance.now() + ttlMs });
      this.#cache.upsert(instance, record, ttlMs);
      await this.#send(answers);
    }
  }

  async deregister(service: ServiceRecord): Promise<void> {
    this.#assertOpen();
    await this.#ready;
    for (const record of splitNodes(service)) {
      const instance = instanceName(this.#names, record);
      this.#own.delete(instance);
      this.#cache.remove(instance);
      await this.#send(this.#goodbye(instance));
    }
  }

  /**
   * Queries the network and answers {@link MDNS_SETTLE_MS} after the first
   * node of `name` answers, at the latest after `queryTimeoutMs`: a cold
   * client call waits for the responders that answer at once, not for the
   * whole timeout. Nodes answering later reach watchers (a client's registry
   * cache) as they arrive.
   */
  async getService(name: string): Promise<ServiceRecord[]> {
    const found = this.#cache.watch({ service: name });
    try {
      const refresh = this.#refresh();
      if (this.#cache.records(name).length === 0) {
        await Promise.race([refresh, firstEvent(found).then(() => new Promise((resolve) => setTimeout(resolve, MDNS_SETTLE_MS)))]);
      }
      else await refresh;
    } finally {
      found.stop();
    }
    return this.#cache.records(name);
  }

  /** One record per name and version, with its nodes. */
  async listServices(): Promise<ServiceRecord[]> {
    await this.#refresh();
    return this.#cache.records();
  }

  /** Also sends a query, so that the cache (and with it the watcher) learns of live nodes soon. */
  watch(options: WatchOptions = {}): Watcher {
    this.#assertOpen();
    for (const watcher of this.#watchers) if (watcher.stopped) this.#watchers.delete(watcher);
    const watcher = this.#cache.watch(options);
    this.#watchers.add(watcher);
    this.#ready.then(() => this.#sendQuery()).catch(() => undefined);
    return watcher;
  }

  /** Says goodbye for the nodes still advertised, stops watchers and closes the socket. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const watcher of this.#watchers) watcher.stop();
    this.#watchers.clear();
    try {
      await this.#ready;
      for (const instance of [...this.#own.keys()]) {
        if (this.#liveOwn(instance)) await this.#send(this.#goodbye(instance));
      }
    } catch {
      // Not bound or cannot send: peers drop our nodes when their TTL passes.
    }
    this.#own.clear();
    this.#cache.clear();
    await new Promise<void>((resolve) => this.#mdns.destroy(resolve));
  }

  /** Queries the network and waits `queryTimeoutMs` for answers; concurrent lookups share one. */
  #refresh(): Promise<void> {
    this.#assertOpen();
    this.#lookup ??= (async () => {
      try {
        await this.#ready;
        await this.#sendQuery();
        await new Promise((resolve) => setTimeout(resolve, this.#options.queryTimeoutMs));
      } finally {
        this.#lookup = undefined;
      }
    })();
    return this.#lookup;
  }

  #sendQuery(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#mdns.query({ questions: [{ name: this.#names.service, type: "PTR" }] }, (error) =>
        error ? reject(this.#sendError(error)) : resolve(),
      );
    });
  }

  #send(answers: Answer[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#mdns.respond({ answers }, (error) => (error ? reject(this.#sendError(error)) : resolve()));
    });
  }

  /** PTR and TXT with TTL 0: enough for any DNS-SD browser, ours included, to drop the instance. */
  #goodbye(instance: string): Answer[] {
    return [
      { name: this.#names.service, type: "PTR", ttl: 0, data: instance },
      { name: instance, type: "TXT", ttl: 0, flush: true, data: [Buffer.from("kled=1")] },
    ];
  }

  #onQuery(packet: makeMdns.QueryPacket): void {
    try {
      if (this.#closing) return;
      for (const question of packet.questions ?? []) {
        const name = question.name.toLowerCase();
        // dns-packet decodes type 255 as "ANY", which its typings omit.
        const type: string = question.type;
        const any = type === "ANY";
        if (name === this.#names.service && (any || type === "PTR")) {
          for (const instance of [...this.#own.keys()]) this.#answer(instance);
        } else if (this.#liveOwn(name) && (any || type === "TXT" || type === "SRV")) {
          this.#answer(name);
        } else if (name === this.#names.browse && (any || type === "PTR") && this.#own.size > 0) {
          const answer: Answer = { name, type: "PTR", ttl: dnsTtl(this.#options.ttlMs), data: this.#names.service };
          this.#send([answer]).catch(() => undefined);
        }
      }
    } catch {
      // A query we cannot answer is not our problem; never let it crash the process.
    }
  }

  /** One of our nodes, unless it was not refreshed within its TTL (then it is forgotten). */
  #liveOwn(instance: string): OwnNode | undefined {
    const own = this.#own.get(instance);
    if (own && own.expiresAt <= performance.now()) {
      this.#own.delete(instance);
      return undefined;
    }
    return own;
  }

  /** Answers for one of our nodes with the TTL it has left. */
  #answer(instance: string): void {
    const own = this.#liveOwn(instance);
    if (!own) return;
    const ttlMs = Math.max(1, Math.round(own.expiresAt - performance.now()));
    this.#send(nodeAnswers(this.#names, { record: own.record, ttlMs }, dnsTtl(ttlMs))).catch(() => undefined);
  }

  #onResponse(packet: makeMdns.ResponsePacket): void {
    try {
      const heard = readResponse(this.#names, [...(packet.answers ?? []), ...(packet.additionals ?? [])]);
      // Our own nodes are kept by register/deregister; the loopback echo of
      // our announcements must not resurrect a node deregistered meanwhile.
      for (const instance of heard.goodbyes) {
        if (!this.#liveOwn(instance)) this.#cache.remove(instance);
      }
      for (const [instance, { payload, ttlSeconds }] of heard.nodes) {
        if (this.#liveOwn(instance) || heard.goodbyes.has(instance)) continue;
        // The payload's milliseconds are precise; the DNS TTL bounds them.
        const ttlMs = Math.min(payload.ttlMs > 0 ? payload.ttlMs : Infinity, ttlSeconds * 1000, MAX_TIMER_MS);
        if (ttlMs > 0) this.#cache.upsert(instance, payload.record, ttlMs);
        else this.#cache.remove(instance);
      }
    } catch {
      // Garbage from the network: ignore it.
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error(`registry "mdns": closed; create a new registry`);
  }

  #bindError(error: Error): Error {
    const { bind, port } = this.#options;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    return new Error(
      `registry "mdns": cannot bind UDP ${bind}:${port} (${code}); another program may hold the port without SO_REUSEADDR: free it, or choose another registry with KLED_REGISTRY`,
      { cause: error },
    );
  }

  #sendError(error: Error): Error {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    return new Error(
      `registry "mdns": cannot send to the multicast group on port ${this.#options.port} (${code}); is a network interface with multicast up? Set the "interface" option to pick one`,
      { cause: error },
    );
  }
}

/** A DNS TTL in whole seconds that never rounds a live record down to a goodbye. */
function dnsTtl(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

/**
 * How long a lookup keeps listening after the first answer, in milliseconds:
 * the other nodes of a service answer the same query within a few
 * milliseconds on one host or LAN, since Kled's responders do not delay.
 */
const MDNS_SETTLE_MS = 25;

/** Resolves when `watcher` yields its first event, or ends. */
async function firstEvent(watcher: Watcher): Promise<void> {
  for await (const _ of watcher) return;
}
