import type { Client } from "../client/client.js";
import { TOOL_ENDPOINT_METADATA_KEY } from "../definition/tool.js";
import { messageOf } from "../errors/message-of.js";
import type { Logger } from "../logging/logger.js";
import type { Registry, ServiceRecord } from "../registry/registry.js";
import { RegistryFollower } from "../registry/registry-follower.js";
import { emptySnapshot, mergeSnapshot, type CatalogSnapshot } from "./catalog-snapshot.js";
import { DescriptorCache } from "./descriptor-cache.js";
import type { ListName } from "./list-cursor.js";
import { ListExpiry } from "./list-expiry.js";
import { McpBackend, MCP_SERVICE_TYPE, type BackendCatalog } from "./mcp-backend.js";
import type { Namespacing } from "./namespacing.js";
import { protoToolsOf, type ProtoTool } from "./proto-tool.js";

/**
 * Milliseconds one backend may take to list everything it offers before the
 * gateway keeps what it knew of it: a few unary calls on loopback or a LAN,
 * so five seconds means the backend is stuck, and a refresh must not hang.
 */
export const DEFAULT_LIST_TIMEOUT_MS = 5_000;

/** What changed in a refresh, in MCP's list-changed terms. */
export interface CatalogChange {
  tools: boolean;
  resources: boolean;
  prompts: boolean;
}

export interface CatalogOptions {
  registry: Registry;
  client: Client;
  logger: Logger;
  namespacing?: Namespacing;
  listTimeoutMs?: number;
  /** Floor of ttl-prompted re-listing; default {@link DEFAULT_MIN_RELIST_INTERVAL_MS}. */
  minRelistIntervalMs?: number;
}

/**
 * Every MCP service of the registry, live: a registry watch triggers a
 * refresh, which finds the services that serve kled.mcp.v1.McpService and
 * have nodes, lists what each offers, adds the proto methods whose endpoint
 * records carry a tool, merges the lists and tells listeners which of them
 * changed. Refreshes never overlap; changes arriving during one
 * cause exactly one more. A backend whose lists carry ttl_ms is also listed
 * again when the smallest runs out (see {@link ListExpiry}), with the same
 * merge and the same notifications.
 */
export class Catalog {
  readonly #options: CatalogOptions;
  readonly #listeners = new Set<(change: CatalogChange) => void>();
  readonly #backends = new Map<string, McpBackend>();
  /** The last catalog each live backend answered with. */
  readonly #known = new Map<string, BackendCatalog>();
  /** The proto tools of the last read of the registry. */
  #protoTools: ProtoTool[] = [];
  #snapshot: CatalogSnapshot = emptySnapshot();
  /** The MCP services of the last read of the registry, sorted. */
  #services: string[] = [];
  readonly #follower: RegistryFollower;
  readonly #expiry: ListExpiry;
  /**
   * The tail of the work that changes the catalog (registry reads, ttl
   * re-lists), run one at a time so that a re-list never merges over a
   * refresh in flight.
   */
  #queue: Promise<void> = Promise.resolve();

  /** Descriptors of the proto tools' services, by service version. */
  readonly descriptors: DescriptorCache;

  constructor(options: CatalogOptions) {
    this.#options = options;
    this.descriptors = new DescriptorCache(options.registry, options.client);
    this.#follower = new RegistryFollower({
      registry: options.registry,
      logger: options.logger,
      name: "mcp gateway",
      keeps: "the catalog as it was",
      read: () => this.#serially(() => this.#refreshOnce()),
    });
    this.#expiry = new ListExpiry((service) => void this.#serially(() => this.#relist(service)), options.minRelistIntervalMs);
  }

  /** The client every tool call goes through. */
  get client(): Client {
    return this.#options.client;
  }

  get snapshot(): CatalogSnapshot {
    return this.#snapshot;
  }

  /** Reads the registry once, then follows it. */
  start(): Promise<void> {
    return this.#follower.start();
  }

  stop(): void {
    this.#follower.stop();
    this.#expiry.stop();
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once a refresh that started after this call has finished. */
  refresh(): Promise<void> {
    return this.#follower.refresh();
  }

  #serially(work: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #refreshOnce(): Promise<void> {
    const { services, protoTools } = await this.#readRegistry();
    this.#protoTools = protoTools;
    this.#services = services;
    for (const name of this.#backends.keys()) {
      if (!services.includes(name)) {
        this.#backends.delete(name);
        this.#known.delete(name);
        this.#expiry.cancel(name);
      }
    }
    await Promise.all(
      services.map(async (service) => {
        const backend = this.#backends.get(service) ?? new McpBackend(this.#options.client, service);
        this.#backends.set(service, backend);
        await this.#list(backend);
      }),
    );
    this.#publish();
  }

  /** Lists one backend again, its ttl run out; the registry is as the last refresh read it. */
  async #relist(service: string): Promise<void> {
    const backend = this.#backends.get(service);
    if (backend === undefined || this.#follower.stopped) return;
    this.#options.logger.debug("mcp gateway: listing an MCP service again, its lists' ttl ran out", { service });
    await this.#list(backend);
    this.#publish();
  }

  /** Lists what `backend` offers and arms its expiry; a failure keeps what it offered before and tries again when that expires. */
  async #list(backend: McpBackend): Promise<void> {
    const { service } = backend;
    try {
      const catalog = await backend.catalog({ timeoutMs: this.#options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS });
      this.#known.set(service, catalog);
    } catch (error) {
      this.#options.logger.warn("mcp gateway: cannot list what an MCP service offers; keeping what it offered before", {
        service,
        error: messageOf(error),
      });
    }
    if (!this.#follower.stopped && this.#backends.has(service)) this.#expiry.arm(service, this.#known.get(service)?.expiresInMs);
  }

  /** Merges what the backends offer into a new snapshot and tells listeners which lists changed. */
  #publish(): void {
    if (this.#follower.stopped) return;
    const next = this.#merge(this.#services);
    const previous = this.#snapshot;
    this.#snapshot = next;
    const changed = (list: ListName) => previous.versions[list] !== next.versions[list];
    const change: CatalogChange = {
      tools: changed("tools"),
      prompts: changed("prompts"),
      resources: changed("resources") || changed("resourceTemplates"),
    };
    if (change.tools || change.prompts || change.resources) for (const listener of this.#listeners) listener(change);
  }

  /**
   * Names of the services with live nodes that serve kled.mcp.v1.McpService,
   * sorted, and the proto tools of every service with live nodes, in
   * service-name order.
   */
  async #readRegistry(): Promise<{ services: string[]; protoTools: ProtoTool[] }> {
    const { registry, logger } = this.#options;
    const records = await registry.listServices();
    const names = [...new Set(records.filter((record) => servesMcp(record) || offersTools(record)).map((record) => record.name))].sort();
    const services: string[] = [];
    const protoTools: ProtoTool[] = [];
    for (const name of names) {
      const versions = await registry.getService(name);
      if (versions.some((record) => servesMcp(record) && record.nodes.length > 0)) services.push(name);
      protoTools.push(...protoToolsOf(versions, (problem) => logger.warn(`mcp gateway: skipping a proto tool: ${problem}`)));
    }
    return { services, protoTools };
  }

  #merge(services: readonly string[]): CatalogSnapshot {
    const backends = services.flatMap((service) => {
      const catalog = this.#known.get(service);
      const backend = this.#backends.get(service);
      return catalog === undefined || backend === undefined ? [] : [{ backend, catalog }];
    });
    return mergeSnapshot(backends, this.#protoTools, this.#options.namespacing);
  }
}

function offersTools(record: ServiceRecord): boolean {
  return record.endpoints.some((endpoint) => endpoint.metadata[TOOL_ENDPOINT_METADATA_KEY] !== undefined);
}

function servesMcp(record: ServiceRecord): boolean {
  const prefix = `/${MCP_SERVICE_TYPE}/`;
  return record.endpoints.some((endpoint) => endpoint.name.startsWith(prefix));
}
