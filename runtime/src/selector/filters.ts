import type { ServiceRecord } from "../registry/registry.js";
import type { NodeFilter } from "./selector.js";

/** Keeps only the records of `version`. */
export function filterVersion(version: string): NodeFilter {
  return (services) => services.filter((service) => service.version === version);
}

/**
 * Keeps only the nodes whose metadata has `key` equal to `value`; a node
 * without the key inherits it from its service record, so a label set once
 * on the service applies to all its nodes. Records left without nodes are dropped.
 */
export function filterMetadata(key: string, value: string): NodeFilter {
  return (services) =>
    services
      .map(
        (service): ServiceRecord => ({
          ...service,
          nodes: service.nodes.filter((node) => (node.metadata[key] ?? service.metadata[key]) === value),
        }),
      )
      .filter((service) => service.nodes.length > 0);
}
