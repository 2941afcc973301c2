/**
 * Where a node lives in etcd, and what its value holds. Layout:
 *
 *   <prefix><service>/<version>/<node id>  →  JSON of the one-node record
 *                                             {name, version, metadata, endpoints, nodes: [node]}
 *
 * with `<prefix>` `/kled/registry/` by default and every segment
 * percent-encoded (encodeURIComponent), so that a "/" in a name or version
 * cannot move a key into another service's range. A service's nodes are the
 * range `<prefix><service>/` (lookups and per-service watches); every
 * service is the range `<prefix>`. The version is part of the key because a
 * node is registered per version, as in the other registries. The value is
 * the record itself, the shape go-micro's etcd registry stores, so that
 * `etcdctl get --prefix /kled/registry/` is readable. Internal.
 */
import { isEndpoint, isObject, isStringRecord } from "../record-guards.js";
import type { ServiceRecord } from "../registry.js";

/** The key of a one-node record. */
export function nodeKey(prefix: string, record: ServiceRecord): string {
  const node = record.nodes[0];
  if (!node) throw new Error(`registry "etcd": internal: record of "${record.name}" has no node`);
  return `${servicePrefix(prefix, record.name)}${encodeURIComponent(record.version)}/${encodeURIComponent(node.id)}`;
}

/** The prefix of every key of service `name`. */
export function servicePrefix(prefix: string, name: string): string {
  return `${prefix}${encodeURIComponent(name)}/`;
}

/** The end of the key range that starts at `prefix`: the prefix with its last byte raised by one (etcd's `--prefix`). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // A prefix of 0xff bytes only: to the end of the keyspace, etcd's "\0".
  return Buffer.from([0]);
}

/** The value stored for a one-node record. */
export function encodeRecord(record: ServiceRecord): string {
  const { name, version, metadata, endpoints, nodes } = record;
  return JSON.stringify({ name, version, metadata, endpoints, nodes });
}

/**
 * The one-node record stored at a key, or undefined when the value is not a
 * Kled record (another writer's key under the prefix is untrusted input).
 */
export function decodeRecord(value: Buffer): ServiceRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { name, version, metadata, endpoints, nodes } = parsed;
  if (typeof name !== "string" || typeof version !== "string" || !isStringRecord(metadata)) return undefined;
  if (!Array.isArray(endpoints) || !endpoints.every(isEndpoint)) return undefined;
  if (!Array.isArray(nodes) || nodes.length !== 1) return undefined;
  const [node] = nodes as unknown[];
  if (!isObject(node) || typeof node["id"] !== "string" || typeof node["address"] !== "string" || !isStringRecord(node["metadata"])) {
    return undefined;
  }
  return {
    name,
    version,
    metadata,
    endpoints,
    nodes: [{ id: node["id"], address: node["address"], metadata: node["metadata"] }],
  };
}
