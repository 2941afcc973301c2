/**
 * What bench/nats-rpc/main.ts measures, and the one JSON line it prints
 * with BENCH_JSON=1 for the peer suite of `npm run bench`
 * (bench/moleculer/nats-rpc-rows.ts).
 */

/** One round of one target. */
export interface NatsRpcMeasure {
  readonly callsPerSecond: number;
  readonly clientUsPerCall: number;
  readonly serverUsPerCall: number;
  readonly natsUsPerCall: number;
  readonly p50Us: number;
  /** CPU per call at 1 in flight, client + server (no batching to share a message's costs). */
  readonly singleUsPerCall: number;
}

export type NatsRpcTarget = "raw" | "moleculer" | "kled";

export interface NatsRpcResult {
  readonly inFlight: number;
  readonly moleculerSerializer: string;
  /** Each target's rounds, in the order they ran (round i of every target ran moments apart). */
  readonly rounds: Readonly<Record<NatsRpcTarget, readonly NatsRpcMeasure[]>>;
}

/** The prefix of the result line, so that it stands apart from the program's table. */
export const RESULT_PREFIX = "nats-rpc-result ";
