/**
 * The deadlines of a client's calls in flight, on one timer: a timer per
 * call cost about a microsecond and an allocation each (every call's
 * remaining time differs by a few ms, so Node keeps a timer list per call).
 * A binary min-heap by time; the timer is armed for the earliest deadline
 * and not moved when that call ends (it then fires early, finds nothing due
 * and re-arms), so a call's end never touches the timer unless it was the
 * last one. Internal to the NATS client transport.
 */
export interface DeadlineEntry {
  /** When it expires, ms since the epoch. */
  at: number;
  /** Its position in the heap; -1 once removed. */
  index: number;
  /** Runs when the deadline passes. */
  readonly expire: () => void;
}

export class Deadlines {
  readonly #heap: DeadlineEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires; Infinity when not armed. */
  #armedAt = Infinity;

  /** Watches `at` (ms since the epoch); `expire` runs once it has passed, unless removed first. */
  add(at: number, expire: () => void): DeadlineEntry {
    const entry: DeadlineEntry = { at, index: this.#heap.length, expire };
    this.#heap.push(entry);
    this.#up(entry.index);
    if (at < this.#armedAt) this.#arm(at);
    return entry;
  }

  remove(entry: DeadlineEntry): void {
    const index = entry.index;
    if (index < 0) return;
    entry.index = -1;
    const last = this.#heap.pop()!;
    if (last !== entry) {
      this.#heap[index] = last;
      last.index = index;
      this.#down(index);
      this.#up(last.index);
    }
    // Nothing left to wait for: a pending timer must not hold the process open.
    if (this.#heap.length === 0) this.#disarm();
  }

  /** Forgets every deadline and the timer (the client closed). */
  clear(): void {
    for (const entry of this.#heap) entry.index = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = Date.now();
    const due: DeadlineEntry[] = [];
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) {
      const entry = this.#heap[0]!;
      this.remove(entry);
      due.push(entry);
    }
    const next = this.#heap[0];
    if (next !== undefined) this.#arm(next.at);
    for (const entry of due) entry.expire();
  };

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - Date.now()));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
  }

  #up(index: number): void {
    const heap = this.#heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.at <= entry.at) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const entry = heap[index]!;
    const size = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]!.at < heap[child]!.at) child++;
      const smaller = heap[child]!;
      if (smaller.at >= entry.at) break;
      heap[index] = smaller;
      smaller.index = index;
      index = child;
    }
    heap[index] = entry;
    entry.index = index;
  }
}
