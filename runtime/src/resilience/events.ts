/**
 * What the policies report. They emit events instead of logging, as
 * cockatiel's policies do, so that logging (log-events.ts) and metrics
 * subscribe to the same stream.
 */
import type { KledError } from "../errors/kled-error.js";

/** A call is about to be tried again, after `delayMs`. */
export interface RetryEvent {
  /** Registered service name. */
  readonly service: string;
  /** Full method path, e.g. `/kled.test.v1.EchoService/Echo`. */
  readonly method: string;
  /** The number of the attempt about to start: 2 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The node the failed attempt went to; undefined when none was picked. */
  readonly node: string | undefined;
  readonly error: KledError;
}

/** A node's circuit changed state. */
export interface BreakerEvent {
  readonly service: string;
  readonly node: string;
}

/** A node's circuit opened; calls skip the node until it is half-open. */
export interface BreakEvent extends BreakerEvent {
  /** The failure that opened it. */
  readonly error: KledError | undefined;
  /** When one probe call may go to the node again. */
  readonly halfOpenAt: Date;
}

/** A service's bulkhead turned a call away. */
export interface BulkheadRejectEvent {
  readonly service: string;
  readonly method: string;
  readonly limit: number;
  readonly queue: number;
}

/** A rate limiter turned a call away. */
export interface RateLimitedEvent {
  /** `server`: a served call was refused; `client`: a call was refused before it left. */
  readonly side: "server" | "client";
  /** The limited key: `<method path>|<caller>` on the server, the service name on the client. */
  readonly key: string;
  readonly method: string;
  readonly retryAfterMs: number;
}

/** Every event, by name. */
export interface ResilienceEventMap {
  retry: RetryEvent;
  break: BreakEvent;
  halfOpen: BreakerEvent;
  reset: BreakerEvent;
  bulkheadReject: BulkheadRejectEvent;
  rateLimited: RateLimitedEvent;
}

export type ResilienceEventName = keyof ResilienceEventMap;

type Listener<K extends ResilienceEventName> = (event: ResilienceEventMap[K]) => void;

/**
 * A small typed event emitter. Listeners run synchronously, in the order
 * added; one that throws does not disturb the call that emitted the event
 * nor the other listeners: its error becomes a process warning.
 */
export class ResilienceEvents {
  readonly #listeners = new Map<ResilienceEventName, Set<(event: never) => void>>();

  /** Calls `listener` for every `name` event; returns the function that unsubscribes it. */
  on<K extends ResilienceEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit<K extends ResilienceEventName>(name: K, event: ResilienceEventMap[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        process.emitWarning(`a resilience "${name}" listener threw: ${String(error)}`, "KledResilienceWarning");
      }
    }
  }

  /** Listeners of `name`, for tests and for skipping work nobody listens to. */
  listenerCount(name: ResilienceEventName): number {
    return this.#listeners.get(name)?.size ?? 0;
  }
}
