import type { Attributes } from "../peers/opentelemetry.js";

/**
 * Most attribute sets a middleware keeps: enough for every method × status
 * × address of a large service, small enough that keys built from untrusted
 * values (peer ports, dialled addresses) cannot grow the process without end.
 * Past it, sets are built per call, as they were before the cache.
 */
export const ATTRIBUTE_CACHE_ENTRIES = 4096;

/**
 * Attribute sets built once per key (method, status, address…) instead of
 * per call: building the objects was a large share of what tracing cost a
 * small call, and the SDK copies span attributes and keeps metric
 * attributes by value, so one frozen object serves every call of its key.
 */
export class AttributeCache {
  readonly #sets = new Map<string, Readonly<Attributes>>();

  /** The set of `key`, or undefined when not built yet. */
  get(key: string): Readonly<Attributes> | undefined {
    return this.#sets.get(key);
  }

  /** Keeps `attributes` (frozen: shared by every later call of `key`) while there is room; returns them. */
  set(key: string, attributes: Attributes): Readonly<Attributes> {
    Object.freeze(attributes);
    if (this.#sets.size < ATTRIBUTE_CACHE_ENTRIES) this.#sets.set(key, attributes);
    return attributes;
  }
}
