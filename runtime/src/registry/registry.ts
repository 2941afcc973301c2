/**
 * Service discovery: where the nodes of a service are, and what they serve.
 *
 * A service registers one record per node with a TTL and registers again on an
 * interval to refresh it; a registry drops a node that was not refreshed within
 * its TTL, so a process that dies without deregistering disappears on its own.
 */

/** One RPC method a service serves. */
export interface Endpoint {
  /** Full method path, e.g. `"/kled.mcp.v1.McpService/ListTools"`. */
  name: string;
  /** Full type name of the request message, e.g. `"kled.mcp.v1.ListToolsRequest"`. */
  request: string;
  /** Full type name of the response message. */
  response: string;
  /** Free-form facts about the method, e.g. `{ kind: "unary", idempotency: "no-side-effects" }`. */
  metadata: Record<string, string>;
}

/** One running instance of a service. */
export interface Node {
  /** Unique among all nodes of all services, e.g. `"kled.mcp.v1-6f1c…"`. */
  id: string;
  /** Where clients connect: `"host:port"` (IPv6 hosts in brackets: `"[::1]:50051"`). */
  address: string;
  metadata: Record<string, string>;
}

/** A service at one version, with the nodes that serve it. */
export interface ServiceRecord {
  name: string;
  version: string;
  metadata: Record<string, string>;
  endpoints: Endpoint[];
  nodes: Node[];
}

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /**
   * How long, in milliseconds, the registry keeps the nodes without another
   * `register()` call. Default {@link DEFAULT_REGISTER_TTL_MS}.
   */
  ttlMs?: number;
}

/**
 * `create`: a node appeared. `update`: a known node changed (address,
 * metadata, endpoints). `delete`: a node was deregistered or expired.
 * A refresh that changes nothing emits no event.
 */
export type RegistryEventType = "create" | "update" | "delete";

/** A change seen by a {@link Watcher}. */
export interface RegistryEvent {
  type: RegistryEventType;
  /** The record with the node(s) concerned (for `delete`, its last known state). */
  service: ServiceRecord;
}

/** Options of {@link Registry.watch}. */
export interface WatchOptions {
  /** Only events of the service with this name; all services when absent. */
  service?: string;
}

/**
 * A stream of registry events, in the order they happened. Iterate it once;
 * iteration ends after `stop()` (or `break`, which calls it) or when the
 * registry is closed.
 */
export interface Watcher extends AsyncIterable<RegistryEvent> {
  stop(): void;
}

/** A service registry (the go-micro `registry.Registry` shape). */
export interface Registry {
  /** The implementation: `"memory"`, `"mdns"`, … */
  readonly name: string;
  /**
   * Adds or replaces the given nodes of `service.name` at `service.version`
   * with the record's metadata and endpoints. Calling it again refreshes the
   * TTL; the caller (the Service) does so every {@link DEFAULT_REGISTER_INTERVAL_MS}.
   */
  register(service: ServiceRecord, options?: RegisterOptions): Promise<void>;
  /** Removes the given nodes (matched by id) of `service.name` at `service.version`. */
  deregister(service: ServiceRecord): Promise<void>;
  /** One record per version, each with all its live nodes; `[]` when the name is unknown. */
  getService(name: string): Promise<ServiceRecord[]>;
  /**
   * One record per name and version. Implementations may leave `nodes` empty;
   * the memory and mDNS registries include them.
   */
  listServices(): Promise<ServiceRecord[]>;
  watch(options?: WatchOptions): Watcher;
  /** Stops all watchers and releases sockets and timers. */
  close(): Promise<void>;
}

/**
 * Default registration TTL in milliseconds: go-micro's `RegisterTTL` (90 s).
 * Three refresh intervals, so that a live node survives two lost refreshes
 * while a dead one is gone within a minute and a half.
 */
export const DEFAULT_REGISTER_TTL_MS = 90_000;

/**
 * Default interval between two `register()` calls of a running service, in
 * milliseconds: go-micro's `RegisterInterval` (30 s), a third of the TTL.
 */
export const DEFAULT_REGISTER_INTERVAL_MS = 30_000;
