/**
 * Steady load for the resilience tests: a few workers calling in a loop,
 * counting successes per node and keeping every failure.
 */
import type { CallOutcome, Node, SelectOptions, Selector, ServiceRecord } from "@kled/runtime";

export interface Load {
  /** Successful calls per node name, live. */
  readonly perNode: Map<string, number>;
  readonly failures: unknown[];
  /** Successful calls so far. */
  ok(): number;
  /** Stops the workers and waits for their last calls. */
  stop(): Promise<void>;
  /** Waits for the workers to make `maxCalls` calls. */
  finished(): Promise<void>;
}

/**
 * Runs `call` (which resolves with the name of the node that answered) in
 * `concurrency` loops until {@link Load.stop}, or until `maxCalls` were made.
 */
export function steadyLoad(call: () => Promise<string>, concurrency: number, maxCalls = Infinity): Load {
  const perNode = new Map<string, number>();
  const failures: unknown[] = [];
  let made = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && made < maxCalls) {
      made++;
      try {
        const node = await call();
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  const done = Promise.all(workers);
  return {
    perNode,
    failures,
    ok: () => [...perNode.values()].reduce((sum, n) => sum + n, 0),
    async stop() {
      stopped = true;
      await done;
    },
    async finished() {
      await done;
    },
  };
}

/** Wraps a selector and counts its picks per node id. */
export class CountingSelector implements Selector {
  readonly picks = new Map<string, number>();
  readonly name: string;

  constructor(readonly inner: Selector) {
    this.name = inner.name;
  }

  select(services: ServiceRecord[], options?: SelectOptions): Node {
    const node = this.inner.select(services, options);
    this.picks.set(node.id, (this.picks.get(node.id) ?? 0) + 1);
    return node;
  }

  onCallStart(service: string, nodeId: string): void {
    this.inner.onCallStart?.(service, nodeId);
  }

  onCallEnd(service: string, nodeId: string, outcome: CallOutcome): void {
    this.inner.onCallEnd?.(service, nodeId, outcome);
  }
}

/** A node's share of `perNode`'s calls, 0..1. */
export function shareOf(perNode: ReadonlyMap<string, number>, node: string): number {
  const total = [...perNode.values()].reduce((sum, n) => sum + n, 0);
  return total === 0 ? 0 : (perNode.get(node) ?? 0) / total;
}
