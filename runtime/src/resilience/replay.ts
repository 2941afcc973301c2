/**
 * The request messages of a client-streaming or bidi call, readable again
 * by a retry. The caller's iterator can be read only once, so the messages
 * read so far are kept until the call is known to stay on its node: the
 * first response arrived ({@link release}), or more than `limit` messages
 * went out before any response. Either way retries stop; the messages are
 * then dropped as soon as they are read.
 */
export class ReplayableStream<T> {
  readonly #source: AsyncIterator<T>;
  readonly #limit: number;
  /** Messages from absolute position `#base` on. */
  #buffer: T[] = [];
  #base = 0;
  #done = false;
  #failure: { error: unknown } | undefined;
  #pending: Promise<void> | undefined;
  #keeping = true;
  /** Readers of older attempts stop at their next read. */
  #generation = 0;

  constructor(source: AsyncIterable<T>, limit: number) {
    this.#source = source[Symbol.asyncIterator]();
    this.#limit = limit;
  }

  /** True while a new reader would see every message from the first. */
  get replayable(): boolean {
    return this.#keeping;
  }

  /** Stops keeping messages for a retry. */
  release(): void {
    this.#keeping = false;
  }

  /** Ends the caller's iterator early, when the call failed for good. */
  close(): void {
    this.#keeping = false;
    this.#generation++;
    if (!this.#done) {
      this.#done = true;
      void Promise.resolve(this.#source.return?.()).catch(() => undefined);
    }
  }

  /** A reader from the first message; older readers end. Only while {@link replayable}. */
  reader(): AsyncIterable<T> {
    if (!this.#keeping && this.#generation > 0) {
      throw new Error("internal: a request stream was read again after it stopped being replayable");
    }
    const generation = ++this.#generation;
    return { [Symbol.asyncIterator]: () => this.#read(generation) };
  }

  async *#read(generation: number): AsyncGenerator<T> {
    let position = this.#base;
    while (generation === this.#generation) {
      if (position < this.#base + this.#buffer.length) {
        const message = this.#buffer[position - this.#base] as T;
        position++;
        if (!this.#keeping) this.#trim(position);
        yield message;
        continue;
      }
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#done) return;
      await (this.#pending ??= this.#pull());
    }
  }

  async #pull(): Promise<void> {
    try {
      const next = await this.#source.next();
      if (next.done === true) this.#done = true;
      else {
        this.#buffer.push(next.value);
        if (this.#buffer.length > this.#limit) this.#keeping = false;
      }
    } catch (error) {
      this.#failure = { error };
    } finally {
      this.#pending = undefined;
    }
  }

  #trim(position: number): void {
    this.#buffer.splice(0, position - this.#base);
    this.#base = position;
  }
}
