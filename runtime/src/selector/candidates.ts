import { Code, KledError } from "../errors/index.js";
import type { Node, ServiceRecord } from "../registry/registry.js";
import type { SelectOptions } from "./selector.js";

/** The nodes a selector may pick, and the service they belong to. */
export interface Candidates {
  service: string;
  /** Non-empty, one per node id, sorted by id so that strategies are stable when the registry reorders nodes. */
  nodes: readonly Node[];
}

/**
 * Applies filters and exclusions. Throws `UNAVAILABLE` naming the service and
 * counting what was filtered out and excluded when nothing is left.
 */
export function candidates(services: ServiceRecord[], options: SelectOptions = {}): Candidates {
  const service = options.service ?? services[0]?.name ?? "";
  const known = uniqueNodes(services);
  const filters = options.filter;
  let kept = known;
  if (filters !== undefined && filters.length > 0) {
    let filtered = services;
    for (const filter of filters) filtered = filter(filtered);
    kept = uniqueNodes(filtered);
  }
  const exclude = options.exclude;
  const nodes = exclude === undefined || exclude.size === 0 ? kept : kept.filter((node) => !exclude.has(node.id));
  if (nodes.length > 0) return { service, nodes };

  const counts = [`${known.length} known`];
  if (kept.length < known.length) counts.push(`${known.length - kept.length} filtered out`);
  if (kept.length > 0) counts.push(`${kept.length} excluded`);
  throw new KledError(Code.Unavailable, `no available node for service "${service}" (${counts.join(", ")})`);
}

/**
 * The nodes of frozen record arrays (node lists frozen too), by array: a
 * registry cache hands every call of a service the same frozen records
 * until they change, so their nodes are collected and sorted once rather
 * than on every call.
 */
const nodesOfFrozen = new WeakMap<readonly ServiceRecord[], readonly Node[]>();

function uniqueNodes(services: readonly ServiceRecord[]): readonly Node[] {
  const known = nodesOfFrozen.get(services);
  if (known !== undefined) return known;
  const byId = new Map<string, Node>();
  for (const service of services) for (const node of service.nodes) byId.set(node.id, node);
  const nodes = Object.freeze([...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  if (Object.isFrozen(services) && services.every((service) => Object.isFrozen(service.nodes))) nodesOfFrozen.set(services, nodes);
  return nodes;
}
