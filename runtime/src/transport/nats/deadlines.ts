/**
 * The deadlines of a client's calls in flight, on one timer: a timer per
 * call cost about a microsecond and an allocation each (every call's
 * remaining time differs by a few ms, so Node keeps a timer list per call).
 * A binary min-heap by time; the timer is armed for the earliest deadline
 * and not moved when that call ends, not even the last one (it then fires
 * early, finds nothing due and re-arms, or stops with the heap empty): one
 * call after another, each due later than the one before, arms it once
 * rather than once per call. It is unref'd: a pending deadline must not
 * hold the process open. The entries are the calls themselves: no object
 * or closure per call beyond the call. Internal to the NATS client transport.
 */
export interface DeadlineEntry {
  /** When it expires, ms since the epoch; set before {@link Deadlines.add}. */
  deadlineAt: number;
  /** Its position in the heap; -1 while not in it. */
  heapIndex: number;
  /** Runs when the deadline passes. */
  expire(): void;
}

export class Deadlines {
  readonly #heap: DeadlineEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires; Infinity when not armed. */
  #armedAt = Infinity;

  /** Watches `entry.deadlineAt`; `entry.expire()` runs once it has passed, unless removed first. */
  add(entry: DeadlineEntry): void {
    entry.heapIndex = this.#heap.length;
    this.#heap.push(entry);
    this.#up(entry.heapIndex);
    if (entry.deadlineAt < this.#armedAt) this.#arm(entry.deadlineAt);
  }

  remove(entry: DeadlineEntry): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    entry.heapIndex = -1;
    const last = this.#heap.pop()!;
    if (last !== entry) {
      this.#heap[index] = last;
      last.heapIndex = index;
      this.#down(index);
      this.#up(last.heapIndex);
    }
  }

  /** Forgets every deadline and the timer (the client closed). */
  clear(): void {
    for (const entry of this.#heap) entry.heapIndex = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = Date.now();
    const due: DeadlineEntry[] = [];
    while (this.#heap.length > 0 && this.#heap[0]!.deadlineAt <= now) {
      const entry = this.#heap[0]!;
      this.remove(entry);
      due.push(entry);
    }
    const next = this.#heap[0];
    if (next !== undefined) this.#arm(next.deadlineAt);
    for (const entry of due) entry.expire();
  };

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - Date.now())).unref();
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
      if (parent.deadlineAt <= entry.deadlineAt) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const entry = heap[index]!;
    const size = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]!.deadlineAt < heap[child]!.deadlineAt) child++;
      const smaller = heap[child]!;
      if (smaller.deadlineAt >= entry.deadlineAt) break;
      heap[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}
