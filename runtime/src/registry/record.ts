/**
 * Helpers shared by the registry implementations to split, merge, compare and
 * validate service records. Internal: not exported from the package.
 */
import { DEFAULT_REGISTER_TTL_MS, type ServiceRecord } from "./registry.js";

/**
 * Largest TTL we accept, in milliseconds: Node timers overflow beyond 2^31-1 ms
 * (about 24.8 days) and would fire at once.
 */
const MAX_TTL_MS = 2 ** 31 - 1;

/** One record per node of `service`, each carrying the service-level fields. */
export function splitNodes(service: ServiceRecord): ServiceRecord[] {
  return service.nodes.map((node) => ({ ...cloneRecord(service), nodes: [structuredClone(node)] }));
}

/** A deep copy, so that callers never share objects with a registry's store. */
export function cloneRecord(service: ServiceRecord): ServiceRecord {
  return structuredClone(service);
}

/**
 * Merges one-node records into one record per name and version. Service-level
 * fields (metadata, endpoints) come from the last record of each group, so a
 * caller passing records oldest-first gets the most recently registered ones.
 */
export function mergeByVersion(records: Iterable<ServiceRecord>): ServiceRecord[] {
  const groups = new Map<string, ServiceRecord>();
  for (const record of records) {
    const key = `${record.name}\0${record.version}`;
    const group = groups.get(key);
    const nodes = [...(group?.nodes ?? []), ...record.nodes.map((node) => structuredClone(node))];
    groups.set(key, { ...cloneRecord(record), nodes });
  }
  for (const group of groups.values()) group.nodes.sort((a, b) => compare(a.id, b.id));
  return [...groups.values()];
}

/** True when two records carry the same data, regardless of metadata key order. */
export function sameRecord(a: ServiceRecord, b: ServiceRecord): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => compare(x, y)))
      : v,
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Throws when `service` cannot be registered, naming the registry and the value. */
export function validateRecord(registry: string, service: ServiceRecord): void {
  if (service.name === "") {
    throw new Error(`registry "${registry}": service name is empty; give the service a name`);
  }
  if (service.nodes.length === 0) {
    throw new Error(
      `registry "${registry}": service "${service.name}" has no nodes; register at least one node`,
    );
  }
  for (const node of service.nodes) {
    if (node.id === "") {
      throw new Error(
        `registry "${registry}": service "${service.name}" has a node with an empty id; give every node a unique id`,
      );
    }
  }
}

/** The TTL to use in milliseconds: the given one, or the default; throws when invalid. */
export function resolveTtl(registry: string, ttlMs: number | undefined): number {
  const ttl = ttlMs ?? DEFAULT_REGISTER_TTL_MS;
  if (!Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_TTL_MS) {
    throw new Error(
      `registry "${registry}": ttlMs ${ttl} is invalid; use a number of milliseconds between 1 and ${MAX_TTL_MS}`,
    );
  }
  return ttl;
}
