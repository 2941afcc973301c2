/**
 * Client-side load balancing: which node of a service a call goes to.
 * A selector picks among the nodes the registry returned, after filters and
 * exclusions (nodes whose circuit is open, nodes already tried by a retry).
 */
import type { Node, ServiceRecord } from "../registry/registry.js";

/** Narrows the records (and their nodes) a selector may pick from; see filters.ts. */
export type NodeFilter = (services: ServiceRecord[]) => ServiceRecord[];

/** Options of {@link Selector.select}. */
export interface SelectOptions {
  /** Applied in order before picking. */
  filter?: NodeFilter[];
  /** Ids of nodes to skip, e.g. whose circuit is open or that a retry already tried. */
  exclude?: ReadonlySet<string>;
  /**
   * Name of the service, for the error message when `services` is empty
   * (otherwise it is taken from the records).
   */
  service?: string;
}

/** How a call to a node went, as the client reports it to {@link Selector.onCallEnd}. */
export interface CallOutcome {
  /**
   * Milliseconds from sending the call to its response, or to the first
   * message of a response stream, or to its failure.
   */
  readonly latencyMs: number;
  /** True when the call failed in a way that points at the node (see resilience/classify.ts). */
  readonly nodeFailure: boolean;
}

/** A load-balancing strategy (the go-micro `selector.Strategy` idea). */
export interface Selector {
  /** The strategy: `"random"`, `"round-robin"`, … */
  readonly name: string;
  /**
   * Picks one node of `services` (the records of one service, all versions).
   * Throws a `KledError` with code `UNAVAILABLE` when no node is left after
   * filters and exclusions.
   */
  select(services: ServiceRecord[], options?: SelectOptions): Node;
  /**
   * Optional: the client calls it when a call to the node `nodeId` of
   * `service` (the registered name) starts, for strategies that weigh load.
   */
  onCallStart?(service: string, nodeId: string): void;
  /**
   * Optional: the client calls it once for every {@link onCallStart}, when
   * the call ends (a stream: when it is over).
   */
  onCallEnd?(service: string, nodeId: string, outcome: CallOutcome): void;
}
