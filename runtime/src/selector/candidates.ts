import { Code, KledError } from "../errors/index.js";
import type { Node, ServiceRecord } from "../registry/registry.js";
import type { SelectOptions } from "./selector.js";

/** The nodes a selector may pick, and the service they belong to. */
export interface Candidates {
  service: string;
  /** Non-empty, one per node id, sorted by id so that strategies are stable when the registry reorders nodes. */
  nodes: Node[];
}

/**
 * Applies filters and exclusions. Throws `UNAVAILABLE` naming the service and
 * counting what was filtered out and excluded when nothing is left.
 */
export function candidates(services: ServiceRecord[], options: SelectOptions = {}): Candidates {
  const service = options.service ?? services[0]?.name ?? "";
  const known = uniqueNodes(services);
  let filtered = services;
  for (const filter of options.filter ?? []) filtered = filter(filtered);
  const kept = uniqueNodes(filtered);
  const nodes = kept.filter((node) => !options.exclude?.has(node.id));
  if (nodes.length > 0) return { service, nodes };

  const counts = [`${known.length} known`];
  if (kept.length < known.length) counts.push(`${known.length - kept.length} filtered out`);
  if (kept.length > 0) counts.push(`${kept.length} excluded`);
  throw new KledError(Code.Unavailable, `no available node for service "${service}" (${counts.join(", ")})`);
}

function uniqueNodes(services: readonly ServiceRecord[]): Node[] {
  const byId = new Map<string, Node>();
  for (const service of services) for (const node of service.nodes) byId.set(node.id, node);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
