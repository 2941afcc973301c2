/**
 * The load of one node as a load-aware selector sees it: calls in flight and
 * a peak-sensitive moving average of latency (Finagle's "peak EWMA").
 *
 * Decay: a sample arriving Δt ms after the previous one is blended in with
 * weight 1 − e^(−Δt/τ), τ being the decay time; a sample above the current
 * average replaces it at once, so a node that turns slow is avoided at once
 * and wins traffic back gradually. Read between samples, the average decays
 * towards zero by e^(−Δt/τ), so a node avoided for a while is tried again.
 */
export class NodeLoad {
  inFlight = 0;
  #cost = 0;
  #stamp: number;

  constructor(now: number) {
    this.#stamp = now;
  }

  /** Epoch ms of the last sample. */
  get stamp(): number {
    return this.#stamp;
  }

  /** The latency average at `now`, decayed since the last sample. */
  cost(now: number, decayMs: number): number {
    return this.#cost * Math.exp(-Math.max(0, now - this.#stamp) / decayMs);
  }

  observe(latencyMs: number, now: number, decayMs: number): void {
    const decayed = this.cost(now, decayMs);
    const weight = 1 - Math.exp(-Math.max(0, now - this.#stamp) / decayMs);
    this.#cost = latencyMs > decayed ? latencyMs : decayed + (latencyMs - decayed) * weight;
    this.#stamp = now;
  }
}
