import type { KledError } from "../errors/kled-error.js";
import type { CallContext } from "./call-context.js";

/** The calls a server is serving, so that shutdown can wait for them or abort them. */
export class InFlightCalls {
  readonly #calls = new Set<CallContext>();
  #waiters: Array<() => void> = [];

  get size(): number {
    return this.#calls.size;
  }

  add(call: CallContext): void {
    this.#calls.add(call);
  }

  delete(call: CallContext): void {
    this.#calls.delete(call);
    if (this.#calls.size > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when no call is in flight (at once when none is). */
  drained(): Promise<void> {
    if (this.#calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Aborts the signal of every call in flight. */
  abortAll(reason: KledError): void {
    for (const call of this.#calls) call.abort(reason);
  }
}
