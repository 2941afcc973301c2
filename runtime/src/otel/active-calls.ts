import type { Attributes } from "../peers/opentelemetry.js";
import { ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME, RPC_SYSTEM_GRPC } from "./attributes.js";

/**
 * Calls in flight by method, counted in a map and reported by an
 * observable instrument when metrics are collected: an up-down counter
 * would hash its attributes twice per call, the largest share of the
 * metrics' cost on a small call.
 */
export class ActiveCalls {
  readonly #byMethod = new Map<string, number>();

  enter(method: string): void {
    this.#byMethod.set(method, (this.#byMethod.get(method) ?? 0) + 1);
  }

  leave(method: string): void {
    this.#byMethod.set(method, (this.#byMethod.get(method) ?? 1) - 1);
  }

  /** Each method seen, with its count (0 once its calls ended: a series that vanished would read as stale). */
  *observations(): Iterable<[number, Attributes]> {
    for (const [method, count] of this.#byMethod) yield [count, { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC, [ATTR_RPC_METHOD]: method }];
  }
}
