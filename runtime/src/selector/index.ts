export type { CallOutcome, NodeFilter, SelectOptions, Selector } from "./selector.js";
export { RandomSelector, type RandomSelectorOptions } from "./random.js";
export { RoundRobinSelector } from "./round-robin.js";
export {
  DEFAULT_EWMA_DECAY_MS,
  DEFAULT_FAILURE_PENALTY_MS,
  LoadAwareSelector,
  type LoadAwareSelectorOptions,
} from "./load-aware.js";
export { filterMetadata, filterVersion } from "./filters.js";
