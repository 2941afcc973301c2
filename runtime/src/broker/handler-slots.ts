/**
 * Bounds the handlers a subscription runs at once and lets a closing one wait
 * for them. Internal to the broker implementations.
 */
export class HandlerSlots {
  readonly limit: number;
  #busy = 0;
  /** Callers of {@link acquire} waiting for a slot, first come first served. */
  readonly #acquirers: (() => void)[] = [];
  /** Callers of {@link whenFree} / {@link whenIdle}, woken on every release. */
  #watchers: (() => void)[] = [];

  constructor(limit: number, what: string) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`${what}: concurrency ${limit} is invalid; use a whole number of at least 1`);
    }
    this.limit = limit;
  }

  /** Handlers running now. */
  get busy(): number {
    return this.#busy;
  }

  /**
   * Reserves a slot: undefined when one was free at once (the common case,
   * without a promise), else a promise that resolves when one is handed over.
   */
  acquire(): Promise<void> | undefined {
    if (this.#busy < this.limit && this.#acquirers.length === 0) {
      this.#busy++;
      return undefined;
    }
    return new Promise((resolve) => this.#acquirers.push(resolve));
  }

  /**
   * Runs `task` in a slot reserved with {@link acquire}, releasing it when the
   * task settles (at once when it is synchronous); `released` runs after
   * that, when the slot can be taken again.
   */
  run(task: () => Promise<void> | void, released?: () => void): void {
    let result;
    try {
      result = task();
    } catch {
      // Tasks report their own failures; the slot is freed all the same.
    }
    if (!(result instanceof Promise)) {
      this.release();
      released?.();
      return;
    }
    const release = () => {
      this.release();
      released?.();
    };
    result.then(release, release);
  }

  /** Frees a slot reserved with {@link acquire}, for callers that run their work themselves. */
  release(): void {
    const next = this.#acquirers.shift();
    // A waiting acquirer inherits the slot, so the count stays.
    if (next === undefined) this.#busy--;
    else next();
    if (this.#watchers.length === 0) return;
    const watchers = this.#watchers;
    this.#watchers = [];
    for (const watcher of watchers) watcher();
  }

  /** Resolves when a slot is free (without reserving it). */
  async whenFree(): Promise<void> {
    while (this.#busy >= this.limit || this.#acquirers.length > 0) await this.#nextRelease();
  }

  /** Resolves when no handler runs and none waits for a slot. */
  async whenIdle(): Promise<void> {
    while (this.#busy > 0 || this.#acquirers.length > 0) await this.#nextRelease();
  }

  /** Resolves true once idle, or false if `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.whenIdle().then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #nextRelease(): Promise<void> {
    return new Promise((resolve) => this.#watchers.push(resolve));
  }
}
