import { mergeByVersion } from "../record.js";
import type { RegistryEvent, ServiceRecord } from "../registry.js";

/**
 * The records of one service after a watch event: `create` and `update` put
 * the event's nodes into the record of their version (which takes the
 * event's metadata and endpoints), `delete` removes them; records left
 * without nodes go. Nodes are matched by version and id, as registries key
 * them. Applying an event twice gives the same records, so an event already
 * reflected in a lookup's answer changes nothing. Internal to the cache.
 */
export function applyEvent(records: ServiceRecord[], event: RegistryEvent): ServiceRecord[] {
  const { service } = event;
  const ids = new Set(service.nodes.map((node) => node.id));
  const kept = records.map((record) =>
    record.version === service.version ? { ...record, nodes: record.nodes.filter((node) => !ids.has(node.id)) } : record,
  );
  const merged = mergeByVersion(event.type === "delete" ? kept : [...kept, service]);
  return merged.filter((record) => record.nodes.length > 0);
}
