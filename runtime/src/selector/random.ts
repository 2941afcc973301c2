import type { Node, ServiceRecord } from "../registry/registry.js";
import { candidates } from "./candidates.js";
import type { SelectOptions, Selector } from "./selector.js";

/** Options of {@link RandomSelector}. */
export interface RandomSelectorOptions {
  /** Source of numbers in [0, 1). Default `Math.random`; tests pass a fixed sequence. */
  random?: () => number;
}

/** Picks a node uniformly at random: no state, and spreads load well across many clients. */
export class RandomSelector implements Selector {
  readonly name = "random";
  readonly #random: () => number;

  constructor(options: RandomSelectorOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  select(services: ServiceRecord[], options?: SelectOptions): Node {
    const { nodes } = candidates(services, options);
    // min() guards against a random() that returns exactly 1.
    const index = Math.min(nodes.length - 1, Math.floor(this.#random() * nodes.length));
    return nodes[index] as Node;
  }
}
