/**
 * One cockatiel bulkhead per service: at most `limit` calls to the service
 * run at once from this client, `queue` more wait for a slot, and the rest
 * are turned away at once with RESOURCE_EXHAUSTED, so that one slow service
 * cannot tie up every socket and all the memory of its callers.
 *
 * Only calls with a single response take a slot, until that response.
 * Server-streaming and bidi calls do not: they may rightly stay open and
 * idle for as long as the caller listens (watches, task events), and would
 * hold slots that unary calls need.
 */
import { BulkheadPolicy, bulkhead, isBulkheadRejectedError, isTaskCancelledError } from "cockatiel";
import { canAbort } from "../transport/abort.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { markNotSent } from "./classify.js";
import type { ResilienceEvents } from "./events.js";
import { bulkheadSlots, type BulkheadSlots } from "./fast-path.js";
import type { BulkheadSettings } from "./policy.js";

/** A service's bulkhead. */
export interface ServiceBulkhead {
  readonly policy: BulkheadPolicy;
  /** Its slots, for the fast path (fast-path.ts); undefined when this cockatiel cannot be driven by it. */
  readonly slots: BulkheadSlots | undefined;
}

export class ServiceBulkheads {
  readonly #bulkheads = new Map<string, ServiceBulkhead>();

  constructor(private readonly events: ResilienceEvents) {}

  /** `service`'s bulkhead, created with `settings` on first use. */
  get(service: string, settings: BulkheadSettings): ServiceBulkhead {
    let entry = this.#bulkheads.get(service);
    if (entry === undefined) {
      const policy = bulkhead(settings.limit, settings.queue);
      this.#bulkheads.set(service, (entry = { policy, slots: bulkheadSlots(policy) }));
    }
    return entry;
  }

  /**
   * Runs `fn` in `service`'s bulkhead (created with `settings` on first use).
   * Rejects with RESOURCE_EXHAUSTED when the bulkhead and its queue are full,
   * with CANCELED when `signal` aborts while the call waits for a slot.
   */
  async run<T>(
    service: string,
    method: string,
    settings: BulkheadSettings,
    signal: AbortSignal,
    fn: () => Promise<T>,
  ): Promise<T> {
    const { policy } = this.get(service, settings);
    try {
      return await policy.execute(fn, canAbort(signal) ? signal : undefined);
    } catch (error) {
      if (isBulkheadRejectedError(error)) {
        this.events.emit("bulkheadReject", { service, method, limit: settings.limit, queue: settings.queue });
        throw markNotSent(
          new KledError(
            Code.ResourceExhausted,
            `service "${service}": bulkhead full (${settings.limit} calls running, ${settings.queue} waiting); retry later, or raise bulkhead.limit or bulkhead.queue for this service`,
          ),
        );
      }
      if (isTaskCancelledError(error)) {
        throw markNotSent(new KledError(Code.Canceled, `call to ${method} canceled while waiting for a bulkhead slot of service "${service}"`));
      }
      throw error;
    }
  }
}
