import type { Node, ServiceRecord } from "../registry/registry.js";
import { candidates } from "./candidates.js";
import { NodeLoad } from "./node-load.js";
import type { CallOutcome, SelectOptions, Selector } from "./selector.js";

/**
 * Decay time τ of the latency average, in ms (see node-load.ts): Finagle's
 * and Linkerd's default. Long enough to remember a slow node across bursts
 * of calls, short enough that an idle one is probed again within seconds.
 */
export const DEFAULT_EWMA_DECAY_MS = 10_000;

/**
 * The latency, in ms, a call that failed because of its node counts as at
 * least: a node that fails fast must not look fast and draw traffic (the
 * breaker cuts it off after a few failures; this covers the ones before).
 * A quarter second is far above a healthy call on a LAN.
 */
export const DEFAULT_FAILURE_PENALTY_MS = 250;

/**
 * Added to every latency average in the score, ms: keeps the in-flight
 * count meaningful for a node not measured yet (average 0), which would
 * otherwise draw every call until its first answer.
 */
const LATENCY_FLOOR_MS = 1;

/** Load records of nodes idle for this many decay times are dropped: their average is below 0.25 % of what it was. */
const FORGET_AFTER_DECAYS = 6;

/** Calls between sweeps of forgotten nodes. */
const SWEEP_EVERY_CALLS = 1024;

/** Options of {@link LoadAwareSelector}. */
export interface LoadAwareSelectorOptions {
  /** Default {@link DEFAULT_EWMA_DECAY_MS}. */
  decayMs?: number;
  /** Default {@link DEFAULT_FAILURE_PENALTY_MS}. */
  failurePenaltyMs?: number;
  /** Source of numbers in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * Power of two choices: picks two different nodes at random and sends the
 * call to the one with the lower score `(inFlight + 1) × (latency average + 1 ms)`.
 * It needs the client's call reports ({@link onCallStart}, {@link onCallEnd});
 * without them every node scores the same and it picks at random. Two random
 * choices instead of the best of all keep many clients from stampeding onto
 * the same momentarily best node.
 */
export class LoadAwareSelector implements Selector {
  readonly name = "load-aware";
  readonly #loads = new Map<string, NodeLoad>();
  readonly #decayMs: number;
  readonly #penaltyMs: number;
  readonly #random: () => number;
  readonly #now: () => number;
  #untilSweep = SWEEP_EVERY_CALLS;

  constructor(options: LoadAwareSelectorOptions = {}) {
    this.#decayMs = options.decayMs ?? DEFAULT_EWMA_DECAY_MS;
    this.#penaltyMs = options.failurePenaltyMs ?? DEFAULT_FAILURE_PENALTY_MS;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    if (!(this.#decayMs > 0)) throw new Error(`LoadAwareSelector: decayMs ${this.#decayMs} must be a positive number of ms`);
  }

  select(services: ServiceRecord[], options?: SelectOptions): Node {
    const { service, nodes } = candidates(services, options);
    if (nodes.length === 1) return nodes[0] as Node;
    const first = this.#index(nodes.length);
    let second = this.#index(nodes.length - 1);
    if (second >= first) second++;
    const a = nodes[first] as Node;
    const b = nodes[second] as Node;
    const now = this.#now();
    return this.score(service, a.id, now) <= this.score(service, b.id, now) ? a : b;
  }

  /** The score of a node now: lower is better. */
  score(service: string, nodeId: string, now = this.#now()): number {
    const load = this.#loads.get(key(service, nodeId));
    if (load === undefined) return LATENCY_FLOOR_MS;
    return (load.inFlight + 1) * (load.cost(now, this.#decayMs) + LATENCY_FLOOR_MS);
  }

  onCallStart(service: string, nodeId: string): void {
    const id = key(service, nodeId);
    let load = this.#loads.get(id);
    if (load === undefined) this.#loads.set(id, (load = new NodeLoad(this.#now())));
    load.inFlight++;
  }

  onCallEnd(service: string, nodeId: string, outcome: CallOutcome): void {
    const load = this.#loads.get(key(service, nodeId));
    if (load === undefined) return;
    load.inFlight = Math.max(0, load.inFlight - 1);
    const latency = outcome.nodeFailure ? Math.max(outcome.latencyMs, this.#penaltyMs) : outcome.latencyMs;
    load.observe(latency, this.#now(), this.#decayMs);
    if (--this.#untilSweep <= 0) this.#sweep();
  }

  #index(length: number): number {
    // min() guards against a random() that returns exactly 1.
    return Math.min(length - 1, Math.floor(this.#random() * length));
  }

  #sweep(): void {
    this.#untilSweep = SWEEP_EVERY_CALLS;
    const cutoff = this.#now() - FORGET_AFTER_DECAYS * this.#decayMs;
    for (const [id, load] of this.#loads) if (load.inFlight === 0 && load.stamp < cutoff) this.#loads.delete(id);
  }
}

function key(service: string, nodeId: string): string {
  return `${service}\u0000${nodeId}`;
}
