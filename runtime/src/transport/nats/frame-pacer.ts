import { FrameReader } from "./frames.js";

/**
 * The most frames read at once before what they set off is published (see
 * {@link FramePacer}), and the most one message carries (outbox.ts).
 *
 * Why: with many calls in flight, read all at once and answered all at
 * once, client and server take turns, each working through a whole batch
 * while the other waits for it. In slices, the answers to the first slice
 * are on their way, and the calls they set off sent, while the next slice is
 * read: client, server and NATS server work at the same time (measured at
 * 64 calls in flight: about 1.2× the calls/s of whole batches, for a few
 * more, still shared, messages; slices of 8 or 16 cost more in messages
 * than they gain).
 */
export const FRAMES_PER_TURN = 32;

/**
 * Reads the frames of received messages in order, at most
 * {@link FRAMES_PER_TURN} from the messages delivered together. The rest
 * wait for the next turn of the event loop (setImmediate), and what the
 * frames read so far set off is published before they are read.
 */
export class FramePacer<Source> {
  readonly #queue: Array<{ readonly reader: FrameReader; readonly source: Source }> = [];
  #left = FRAMES_PER_TURN;
  #continuing = false;
  #resetting = false;

  constructor(
    /** Reads one frame; throws on a malformed one. */
    private readonly read: (reader: FrameReader, source: Source) => void,
    /** A message with a malformed frame: the rest of it is dropped. */
    private readonly malformed: (source: Source, error: unknown) => void,
    /** Publishes what the frames read so far set off; called before waiting frames are read. */
    private readonly publish: () => void,
  ) {}

  /** Reads `payload`'s frames after those of the messages before it. */
  push(payload: Uint8Array, source: Source): void {
    this.#queue.push({ reader: new FrameReader(payload), source });
    if (this.#queue.length === 1) this.#drain();
  }

  #drain(): void {
    const queue = this.#queue;
    while (queue.length > 0 && this.#left > 0) {
      const { reader, source } = queue[0]!;
      try {
        while (this.#left > 0 && !reader.done) {
          this.#left--;
          this.read(reader, source);
        }
        if (reader.done) queue.shift();
      } catch (error) {
        queue.shift();
        this.malformed(source, error);
      }
    }
    if (queue.length > 0) {
      if (!this.#continuing) {
        this.#continuing = true;
        setImmediate(this.#continue);
      }
    } else if (!this.#resetting) {
      // Nothing waits: the budget is whole again once the messages delivered
      // together (one read of the socket, dispatched at once) are read. A
      // microtask, not a turn of the event loop: a lone call pays nothing.
      this.#resetting = true;
      queueMicrotask(this.#reset);
    }
  }

  readonly #reset = (): void => {
    this.#resetting = false;
    if (!this.#continuing) this.#left = FRAMES_PER_TURN;
  };

  readonly #continue = (): void => {
    this.#continuing = false;
    this.#left = FRAMES_PER_TURN;
    this.publish();
    this.#drain();
  };
}
