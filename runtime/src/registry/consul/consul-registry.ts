import type { QueueWatcher } from "../queue-watcher.js";
import { mergeByVersion, resolveTtl, splitNodes, validateRecord } from "../record.js";
import type { RegisterOptions, Registry, ServiceRecord, Watcher, WatchOptions } from "../registry.js";
import { AgentApi, AgentResponseError, type AgentServiceRegistration, type HealthServiceEntry } from "./agent-api.js";
import { watchConsul } from "./consul-watch.js";
import { joinHostPort, parseHostPort } from "../host-port.js";
import { type ConsulRegistryOptions, type ResolvedConsulOptions, resolveConsulOptions } from "./options.js";
import { decodeNodeMeta, encodeNodeMeta } from "./service-meta.js";

/** The tag on every Kled instance: how a catalog listing tells Kled's services from others. */
export const CONSUL_KLED_TAG = "kled";

/** A node this registry keeps registered. */
interface OwnNode {
  registration: AgentServiceRegistration;
  /** The registration as JSON: a `register()` with the same one only passes the check. */
  fingerprint: string;
  ttlMs: number;
  /** Next TTL-check pass. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * Discovery through a Consul agent's HTTP API.
 *
 * Each node is a Consul service instance (ID = node id, Name = service name,
 * Address/Port from the node address, tag {@link CONSUL_KLED_TAG}) whose Meta
 * carries the version, metadata and endpoints (see service-meta.ts), with a
 * TTL check `service:<node id>` that Consul turns critical when not passed
 * within the TTL, and deregisters after `deregisterCriticalAfterMs` critical.
 * `register()` of an unchanged node only passes the check; between calls the
 * registry passes it every third of the TTL itself, so a live node never
 * flaps, and registers it again if the agent forgot it (an agent restarted
 * without its state answers 404).
 *
 * Lookups read `/v1/health/service/:name?passing=true`, so nodes whose check
 * is critical are gone at once; listings read `/v1/catalog/services`.
 * Watchers use blocking queries (see consul-watch.ts). `close()` stops the
 * heartbeats without deregistering: call `deregister()` first for an
 * immediate goodbye (a Service does), otherwise the nodes disappear when
 * their TTL passes.
 */
export class ConsulRegistry implements Registry {
  readonly name = "consul";
  readonly #options: ResolvedConsulOptions;
  readonly #api: AgentApi;
  /** Nodes we keep registered, by node id. */
  readonly #own = new Map<string, OwnNode>();
  /**
   * deregister() calls per node id, so that a registration still under way
   * when its node is deregistered does not start heartbeats for it again.
   */
  readonly #deregistrations = new Map<string, number>();
  readonly #watchers = new Set<QueueWatcher>();
  #closed = false;

  constructor(options: ConsulRegistryOptions = {}) {
    this.#options = resolveConsulOptions(options);
    const { host, port, token, datacenter, requestTimeoutMs } = this.#options;
    this.#api = new AgentApi({ host, port, token, datacenter, requestTimeoutMs });
  }

  /** The agent's HTTP address, e.g. `http://127.0.0.1:8500`. */
  get url(): string {
    return this.#api.url;
  }

  async register(service: ServiceRecord, options: RegisterOptions = {}): Promise<void> {
    this.#assertOpen();
    validateRecord(this.name, service);
    const ttlMs = resolveTtl(this.name, options.ttlMs ?? this.#options.ttlMs);
    // Encode every node before sending anything, so that one that cannot fit registers none.
    const registrations = splitNodes(service).map((record) => this.#registration(record, ttlMs));
    await Promise.all(registrations.map((registration) => this.#ensureRegistered(registration, ttlMs)));
  }

  async deregister(service: ServiceRecord): Promise<void> {
    this.#assertOpen();
    await Promise.all(
      service.nodes.map((node) => {
        this.#deregistrations.set(node.id, (this.#deregistrations.get(node.id) ?? 0) + 1);
        clearTimeout(this.#own.get(node.id)?.timer);
        this.#own.delete(node.id);
        return this.#api.deregister(node.id);
      }),
    );
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    this.#assertOpen();
    const { body } = await this.#api.healthyInstances(name);
    return mergeByVersion(this.#recordsOf(body));
  }

  /** One record per name and version, with its passing nodes; services with none are left out. */
  async listServices(): Promise<ServiceRecord[]> {
    this.#assertOpen();
    const { body } = await this.#api.services();
    const names = Object.keys(body).filter((name) => isKled(body[name] ?? []));
    return (await Promise.all(names.map((name) => this.getService(name)))).flat();
  }

  watch(options: WatchOptions = {}): Watcher {
    this.#assertOpen();
    for (const watcher of this.#watchers) if (watcher.stopped) this.#watchers.delete(watcher);
    const { watchWaitMs: waitMs, retryMs, retryMaxMs } = this.#options;
    const watcher = watchConsul(
      { api: this.#api, timing: { waitMs, retryMs, retryMaxMs }, recordsOf: (entries) => this.#recordsOf(entries), isKled },
      options,
    );
    this.#watchers.add(watcher);
    return watcher;
  }

  /** Stops watchers and heartbeats and closes connections; registered nodes expire with their TTL. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watcher of this.#watchers) watcher.stop();
    this.#watchers.clear();
    for (const node of this.#own.values()) clearTimeout(node.timer);
    this.#own.clear();
    this.#api.close();
  }

  /** Registers the node unless it is registered unchanged, in which case passing its check is enough. */
  async #ensureRegistered(registration: AgentServiceRegistration, ttlMs: number): Promise<void> {
    const own = this.#own.get(registration.ID);
    if (own?.fingerprint === JSON.stringify(registration) && (await this.#pass(own))) return;
    await this.#register(registration, ttlMs);
  }

  async #register(registration: AgentServiceRegistration, ttlMs: number): Promise<void> {
    const deregistrations = this.#deregistrations.get(registration.ID);
    await this.#api.register(registration);
    if (this.#closed || this.#deregistrations.get(registration.ID) !== deregistrations) return;
    clearTimeout(this.#own.get(registration.ID)?.timer);
    const node: OwnNode = { registration, fingerprint: JSON.stringify(registration), ttlMs, timer: undefined };
    this.#own.set(registration.ID, node);
    this.#schedulePass(node);
  }

  /** Passes the node's check; false when the agent no longer knows it (it must be registered again). */
  async #pass(node: OwnNode): Promise<boolean> {
    try {
      await this.#api.passCheck(node.registration.Check.CheckID);
    } catch (error) {
      if (error instanceof AgentResponseError && error.statusCode === 404) return false;
      throw error;
    }
    this.#schedulePass(node);
    return true;
  }

  /**
   * Passes the check again in a third of the TTL: two passes may fail before
   * the check turns critical. Unref'd: heartbeats never keep a process alive.
   */
  #schedulePass(node: OwnNode): void {
    clearTimeout(node.timer);
    node.timer = setTimeout(() => void this.#heartbeat(node), Math.max(1, Math.floor(node.ttlMs / 3))).unref();
  }

  async #heartbeat(node: OwnNode): Promise<void> {
    if (this.#own.get(node.registration.ID) !== node) return;
    try {
      if (!(await this.#pass(node))) await this.#register(node.registration, node.ttlMs);
    } catch {
      // The agent is unreachable: retry on the next beat; meanwhile the check
      // may turn critical, which is right for a node its agent cannot vouch for.
      if (this.#own.get(node.registration.ID) === node) this.#schedulePass(node);
    }
  }

  #registration(record: ServiceRecord, ttlMs: number): AgentServiceRegistration {
    const node = record.nodes[0];
    if (!node) throw new Error(`registry "consul": internal: record of "${record.name}" has no node`);
    const what = `service "${record.name}" node "${node.id}"`;
    const hostPort = parseHostPort(node.address);
    if (!hostPort) {
      throw new Error(
        `registry "consul": ${what} has address "${node.address}", which is not host:port; register "host:port" (IPv6 in brackets) so that Consul gets an Address and a Port`,
      );
    }
    const { version, metadata, endpoints } = record;
    return {
      ID: node.id,
      Name: record.name,
      Tags: [CONSUL_KLED_TAG],
      Address: hostPort.host,
      Port: hostPort.port,
      Meta: encodeNodeMeta(what, { version, metadata, nodeMetadata: node.metadata, endpoints }),
      Check: {
        CheckID: `service:${node.id}`,
        TTL: goDuration(ttlMs),
        DeregisterCriticalServiceAfter: goDuration(this.#options.deregisterCriticalAfterMs),
        Status: "passing",
      },
    };
  }

  /** Kled's one-node records in a health answer; instances without Kled Meta are not ours. */
  #recordsOf(entries: HealthServiceEntry[]): ServiceRecord[] {
    const records: ServiceRecord[] = [];
    for (const { Node, Service } of entries) {
      const node = decodeNodeMeta(Service.Meta ?? {});
      if (!node) continue;
      records.push({
        name: Service.Service,
        version: node.version,
        metadata: node.metadata,
        endpoints: node.endpoints,
        nodes: [
          { id: Service.ID, address: joinHostPort(Service.Address || Node.Address, Service.Port), metadata: node.nodeMetadata },
        ],
      });
    }
    return records;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`registry "consul": closed; create a new registry`);
  }
}

function isKled(tags: string[]): boolean {
  return tags.includes(CONSUL_KLED_TAG);
}

/** Milliseconds as a Go duration, the format of Consul's TTL fields: `"90s"`, or `"1500ms"` when not whole seconds. */
function goDuration(ms: number): string {
  return Number.isInteger(ms / 1000) ? `${ms / 1000}s` : `${Math.ceil(ms)}ms`;
}
