import type { Attributes } from "../peers/opentelemetry.js";
import { withStatus } from "./status.js";

/**
 * Most sets a {@link CallAttributeCache} keeps (methods × targets: the
 * addresses a client dials, the callers a server answers): enough for every
 * node of a large deployment, small enough that targets churning (nodes
 * replaced, callers reconnecting from new ports for days) cannot grow the
 * process without end. Past it the cache starts over, so that the targets
 * in use are cached again.
 */
export const ATTRIBUTE_CACHE_TARGETS = 4096;

/**
 * The attribute sets of one method (and target), built once instead of per
 * call: building the objects was a large share of what tracing cost a
 * small call. The SDK copies span attributes and keys metric points by the
 * attributes' values, so one frozen object serves every call.
 */
export class CallAttributeSets {
  readonly #base: Readonly<Attributes>;
  // By status name: at most the 17 gRPC codes.
  readonly #byStatus = new Map<string, Readonly<Attributes>>();

  constructor(base: Attributes) {
    this.#base = Object.freeze(base);
  }

  /** The attributes common to the span and the metrics. */
  get base(): Readonly<Attributes> {
    return this.#base;
  }

  /** The metrics' set of a call that ended with `statusName` (with `error.type` when it `failed`). */
  forStatus(statusName: string, failed: boolean): Readonly<Attributes> {
    let set = this.#byStatus.get(statusName);
    if (set === undefined) {
      set = Object.freeze(withStatus({ ...this.#base }, statusName, failed));
      this.#byStatus.set(statusName, set);
    }
    return set;
  }
}

/**
 * {@link CallAttributeSets} by method path and target, looked up with the
 * strings the call carries rather than a key built per call; at most
 * {@link ATTRIBUTE_CACHE_TARGETS} of them.
 */
export class CallAttributeCache {
  readonly #byPath = new Map<string, Map<string, CallAttributeSets>>();
  #size = 0;

  /** The sets of `path` and `target`, built by `build` the first time. */
  get(path: string, target: string, build: (path: string, target: string) => Attributes): CallAttributeSets {
    let byTarget = this.#byPath.get(path);
    const found = byTarget?.get(target);
    if (found !== undefined) return found;
    const sets = new CallAttributeSets(build(path, target));
    if (this.#size >= ATTRIBUTE_CACHE_TARGETS) {
      this.clear();
      byTarget = undefined;
    }
    if (byTarget === undefined) this.#byPath.set(path, (byTarget = new Map()));
    byTarget.set(target, sets);
    this.#size++;
    return sets;
  }

  /** Forgets every set. */
  clear(): void {
    this.#byPath.clear();
    this.#size = 0;
  }
}
