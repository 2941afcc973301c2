export type { NodeFilter, SelectOptions, Selector } from "./selector.js";
export { RandomSelector, type RandomSelectorOptions } from "./random.js";
export { RoundRobinSelector } from "./round-robin.js";
export { filterMetadata, filterVersion } from "./filters.js";
