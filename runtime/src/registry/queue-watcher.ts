import type { RegistryEvent, Watcher } from "./registry.js";

/**
 * A {@link Watcher} fed by `push()`. Events queue until the consumer asks for
 * them; the queue is unbounded because registry events are few (one per node
 * change). Internal: registries hand it out as a `Watcher`.
 */
export class QueueWatcher implements Watcher {
  #queue: RegistryEvent[] = [];
  #waiting: ((result: IteratorResult<RegistryEvent>) => void) | undefined;
  #stopped = false;
  readonly #onStop: () => void;

  /** @param onStop called once, on the first `stop()`, to unsubscribe the watcher. */
  constructor(onStop: () => void) {
    this.#onStop = onStop;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  push(event: RegistryEvent): void {
    if (this.#stopped) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting({ done: false, value: event });
    } else {
      this.#queue.push(event);
    }
  }

  /** Ends iteration at once; events not yet read are dropped. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#queue = [];
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ done: true, value: undefined });
    this.#onStop();
  }

  [Symbol.asyncIterator](): AsyncIterator<RegistryEvent> {
    return {
      next: () => {
        const event = this.#queue.shift();
        if (event) return Promise.resolve({ done: false, value: event });
        if (this.#stopped) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
      // `break` in a for-await loop lands here: leaving the loop stops the watcher.
      return: () => {
        this.stop();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}
