import type { Broker } from "./broker.js";

/**
 * What a broker can tell about its backlog, for monitoring: the core's
 * hook, which `@kled/runtime/otel` (or anything else) reads without the
 * brokers knowing about metrics. Each figure is read from the broker when
 * asked (a scrape), never kept up to date on the message path.
 */
export interface BrokerStats {
  /**
   * Per subscribed topic and consumer group of this broker: messages not
   * yet acknowledged, waiting or being handled (for Redis the group's lag
   * plus its pending entries; for NATS the consumer's pending plus its
   * unacknowledged deliveries).
   */
  readonly pending: readonly { readonly topic: string; readonly group: string | undefined; readonly count: number }[];
  /** Per subscribed topic: dead letters stored (what its dead-letter store holds now). */
  readonly deadLettered: readonly { readonly topic: string; readonly count: number }[];
}

/** A broker that reports {@link BrokerStats}; the memory, Redis and NATS brokers do. */
export interface BrokerStatsSource {
  stats(): Promise<BrokerStats>;
}

/** True when `broker` reports {@link BrokerStats}. */
export function hasBrokerStats(broker: Broker): broker is Broker & BrokerStatsSource {
  return typeof (broker as Partial<BrokerStatsSource>).stats === "function";
}

/** Stats of no subscription. */
export const NO_BROKER_STATS: BrokerStats = { pending: [], deadLettered: [] };
