/**
 * A push-to-pull bridge: producers `push()` values as they happen, one
 * consumer iterates them in order. Iteration ends after `close()` once the
 * buffer is drained, and fails with the reason given to `fail()` or with the
 * abort reason of the signal it was iterated with.
 *
 * Unbounded on purpose: producers here (tool progress, task events) emit a
 * handful of small values and must never block on a slow consumer.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #failure: { reason: unknown } | undefined;

  /** Adds a value; ignored after close() or fail(). */
  push(value: T): void {
    if (this.#closed) return;
    this.#buffer.push(value);
    this.#notify();
  }

  /** Ends the iteration after the values already pushed. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  /** Ends the iteration with an error after the values already pushed. */
  fail(reason: unknown): void {
    if (this.#closed) return;
    this.#failure = { reason };
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterate();
  }

  /** Iterates until close(), fail() or the signal aborts (which throws its reason). */
  async *iterate(signal?: AbortSignal): AsyncGenerator<T, void, undefined> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#buffer.length > 0) {
        yield this.#buffer.shift() as T;
        continue;
      }
      if (this.#closed) {
        if (this.#failure !== undefined) throw this.#failure.reason;
        return;
      }
      await this.#nextPush(signal);
    }
  }

  #nextPush(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = (): void => resolve();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
