import type { Node, ServiceRecord } from "../registry/registry.js";
import { candidates } from "./candidates.js";
import type { SelectOptions, Selector } from "./selector.js";

/**
 * Picks the nodes of each service in turn. One counter per service name lives
 * as long as the selector, so calls to different services do not disturb each
 * other's rotation; nodes are ordered by id, so a registry returning them in
 * another order does not either. When nodes come or go (or are excluded) the
 * rotation continues over the new set.
 */
export class RoundRobinSelector implements Selector {
  readonly name = "round-robin";
  readonly #counters = new Map<string, number>();

  select(services: ServiceRecord[], options?: SelectOptions): Node {
    const { service, nodes } = candidates(services, options);
    const counter = this.#counters.get(service) ?? 0;
    // Wrap well before precision loss; any multiple of the node count would do.
    this.#counters.set(service, (counter + 1) % Number.MAX_SAFE_INTEGER);
    return nodes[counter % nodes.length] as Node;
  }
}
