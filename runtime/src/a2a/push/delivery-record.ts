import { wholeNumber } from "../../broker/option-value.js";

/**
 * Remembers which (event, receiver) pairs got their notification, so that
 * an event delivered again by the broker (because another receiver of it
 * failed) does not reach the ones that already have it. Keys are opaque
 * strings built by {@link PushNotifier}.
 *
 * {@link MemoryDeliveryRecord} covers redelivery to the same process. When
 * the broker may hand the event to another process (a Redis consumer group
 * after a crash), give every process one shared record, e.g. Redis:
 * `has` = `EXISTS key`, `add` = `SET key 1 PX 86400000` (a day, far longer
 * than any redelivery takes). Without a shared record that case still
 * delivers at least once: receivers that got the event may get it again.
 */
export interface DeliveryRecord {
  has(key: string): Promise<boolean>;
  add(key: string): Promise<void>;
}

/** Options of {@link MemoryDeliveryRecord}. */
export interface MemoryDeliveryRecordOptions {
  /** Keys kept; past it the oldest go. Default {@link DEFAULT_DELIVERY_RECORD_ENTRIES}. */
  readonly maxEntries?: number;
}

/**
 * 10 000 keys (about a megabyte): far more than the events awaiting
 * redelivery at any time, which is all a record has to cover.
 */
export const DEFAULT_DELIVERY_RECORD_ENTRIES = 10_000;

/** A {@link DeliveryRecord} in this process's memory, bounded, oldest out first. */
export class MemoryDeliveryRecord implements DeliveryRecord {
  readonly #keys = new Set<string>();
  readonly #maxEntries: number;

  constructor(options: MemoryDeliveryRecordOptions = {}) {
    this.#maxEntries = wholeNumber("MemoryDeliveryRecord", "maxEntries", options.maxEntries, DEFAULT_DELIVERY_RECORD_ENTRIES);
  }

  has(key: string): Promise<boolean> {
    return Promise.resolve(this.#keys.has(key));
  }

  add(key: string): Promise<void> {
    this.#keys.add(key);
    // A Set iterates in insertion order: the first key is the oldest.
    while (this.#keys.size > this.#maxEntries) this.#keys.delete(this.#keys.values().next().value as string);
    return Promise.resolve();
  }

  /** Keys held, for tests and metrics. */
  get size(): number {
    return this.#keys.size;
  }
}
