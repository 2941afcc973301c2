/**
 * One cockatiel circuit breaker per node of each service. The breakers
 * count node failures only (classify.ts); the client asks {@link skipped}
 * which nodes to leave out of selection, so a node with an open circuit gets
 * no calls until its half-open time, when one call goes through as a probe:
 * success closes the circuit, failure opens it again.
 *
 * What the breaker counts (resilience.ts decides): node failures as
 * failures; business errors as successes, since the node answered; errors
 * that never reached the node (a full bulkhead) and the caller's own
 * cancellation as neither while the circuit is closed. Cockatiel closes a
 * half-open circuit on such an error, so a probe turned away by the bulkhead
 * lets the node back in; if it is still failing, the next failures reopen it.
 */
import {
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type IBreaker,
} from "cockatiel";
import { KledError } from "../errors/kled-error.js";
import { isNodeFailure } from "./classify.js";
import type { ResilienceEvents } from "./events.js";
import { breakerRecorder, type BreakerRecorder } from "./fast-path.js";
import type { BreakerSettings } from "./policy.js";

/** A circuit's state, as events and {@link NodeBreakers.state} name it. */
export type CircuitStateName = "closed" | "open" | "half-open" | "isolated";

/**
 * Breakers kept per service before idle closed ones are dropped: nodes come
 * and go (deploys, autoscaling) and a closed breaker holds nothing worth
 * keeping, while an open one must stay to keep its node skipped.
 */
const MAX_IDLE_BREAKERS = 256;

/** A node's breaker. */
export interface NodeBreaker {
  readonly policy: CircuitBreakerPolicy;
  /** The policy's breaker (what counts failures), for the fast path (fast-path.ts). */
  readonly breaker: IBreaker;
  /** Undefined when this cockatiel cannot be driven by the fast path. */
  readonly recorder: BreakerRecorder | undefined;
  /** Epoch ms after which an open circuit lets a probe through. */
  halfOpenAt: number;
  lastUsed: number;
}

/** The nodes to skip now, and when the first of them may be probed. */
export interface SkippedNodes {
  readonly ids: ReadonlySet<string>;
  /** Epoch ms of the earliest half-open time among open circuits; undefined if none is open. */
  readonly nextProbeAt: number | undefined;
}

/** No node skipped: shared, since most services have no open circuit. */
export const NONE_SKIPPED: SkippedNodes = { ids: new Set(), nextProbeAt: undefined };

export class NodeBreakers {
  readonly #services = new Map<string, Map<string, NodeBreaker>>();

  constructor(
    private readonly events: ResilienceEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** The breaker of `node` of `service`, created with `settings` on first use. */
  get(service: string, node: string, settings: BreakerSettings): NodeBreaker {
    let nodes = this.#services.get(service);
    if (nodes === undefined) this.#services.set(service, (nodes = new Map()));
    let entry = nodes.get(node);
    if (entry === undefined) {
      this.#prune(nodes);
      entry = this.#create(service, node, settings);
      nodes.set(node, entry);
    }
    entry.lastUsed = this.now();
    return entry;
  }

  /**
   * Nodes of `service` that calls must skip: an open circuit before its
   * half-open time, a half-open circuit whose probe is in flight (other
   * calls would wait for the probe), an isolated one.
   */
  skipped(service: string): SkippedNodes {
    const nodes = this.#services.get(service);
    if (nodes === undefined) return NONE_SKIPPED;
    // Most calls skip nothing: no set for them.
    let ids: Set<string> | undefined;
    let nextProbeAt: number | undefined;
    let now: number | undefined;
    for (const [node, entry] of nodes) {
      switch (entry.policy.state) {
        case CircuitState.Closed:
          break;
        case CircuitState.Open:
          if ((now ??= this.now()) >= entry.halfOpenAt) break;
          (ids ??= new Set()).add(node);
          nextProbeAt = Math.min(nextProbeAt ?? Infinity, entry.halfOpenAt);
          break;
        case CircuitState.HalfOpen:
        case CircuitState.Isolated:
          (ids ??= new Set()).add(node);
          break;
      }
    }
    return ids === undefined ? NONE_SKIPPED : { ids, nextProbeAt };
  }

  /** The state of `node`'s circuit; `closed` for a node never called. */
  state(service: string, node: string): CircuitStateName {
    const state = this.#services.get(service)?.get(node)?.policy.state ?? CircuitState.Closed;
    switch (state) {
      case CircuitState.Closed:
        return "closed";
      case CircuitState.Open:
        return "open";
      case CircuitState.HalfOpen:
        return "half-open";
      case CircuitState.Isolated:
        return "isolated";
    }
  }

  #create(service: string, node: string, settings: BreakerSettings): NodeBreaker {
    const breaker: IBreaker =
      settings.kind === "sampling"
        ? new SamplingBreaker({
            threshold: settings.threshold,
            duration: settings.samplingDurationMs,
            minimumRps: settings.minimumRps,
          })
        : new ConsecutiveBreaker(settings.threshold);
    const policy = circuitBreaker(
      handleWhen((error) => error instanceof KledError && isNodeFailure(error)),
      { halfOpenAfter: settings.halfOpenAfterMs, breaker },
    );
    const entry: NodeBreaker = { policy, breaker, recorder: breakerRecorder(policy), halfOpenAt: 0, lastUsed: this.now() };
    policy.onBreak((reason) => {
      entry.halfOpenAt = this.now() + settings.halfOpenAfterMs;
      const error = "error" in reason ? KledError.from(reason.error) : undefined;
      this.events.emit("break", { service, node, error, halfOpenAt: new Date(entry.halfOpenAt) });
    });
    policy.onHalfOpen(() => this.events.emit("halfOpen", { service, node }));
    policy.onReset(() => this.events.emit("reset", { service, node }));
    return entry;
  }

  #prune(nodes: Map<string, NodeBreaker>): void {
    if (nodes.size < MAX_IDLE_BREAKERS) return;
    const idle = [...nodes].filter(([, entry]) => entry.policy.state === CircuitState.Closed);
    idle.sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [node] of idle.slice(0, Math.ceil(idle.length / 2))) nodes.delete(node);
  }
}
