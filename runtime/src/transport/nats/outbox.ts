import type { NatsConnection } from "../../peers/nats-transport.js";
import { FRAMES_PER_TURN } from "./frame-pacer.js";
import { FrameWriter } from "./frames.js";

/** One message being filled for a subject. */
export interface Batch {
  readonly writer: FrameWriter;
  /** The reply subject it is published with, if any. */
  readonly reply: string | undefined;
  /** Numbers the batches of one outbox, from 1. */
  readonly id: number;
  /** Frames written into it so far. */
  frames: number;
}

/**
 * Part of max_payload a batch is published at, at the latest: one more
 * frame still fits, and a batch never waits for the end of the turn while
 * holding a large share of what the server accepts.
 */
const FLUSH_AT_PAYLOAD_SHARE = 0.5;

/**
 * Coalesces the frames written to one subject within one turn of the event
 * loop into one NATS message (see frames.ts): the calls in flight to a node
 * share messages, and so the per-message costs of the client, the NATS
 * server and the node. A batch is published in the check phase of the turn
 * (setImmediate), after the I/O callbacks and microtasks that wrote to it,
 * unless its writer knows that no other frame will join it and asks for it
 * to go now (a lone call: waiting for the end of the turn only adds latency),
 * or it is full (see {@link written}).
 */
export class Outbox {
  readonly #batches = new Map<string, Batch>();
  readonly #flushAt: number;
  #scheduled: NodeJS.Immediate | undefined;
  #nextId = 1;

  constructor(
    private readonly nc: NatsConnection,
    /** The reply subject of a new batch to `subject`, given its id; undefined for none. */
    private readonly replyOf: (id: number, subject: string) => string | undefined,
    /** A batch the NATS client refused to publish. */
    private readonly onLost: (batch: Batch, error: unknown) => void,
  ) {
    this.#flushAt = Math.floor(nc.info?.max_payload ?? 1_048_576) * FLUSH_AT_PAYLOAD_SHARE;
  }

  /** The batch to write the next frame for `subject` into; call {@link written} after writing it. */
  to(subject: string): Batch {
    let batch = this.#batches.get(subject);
    if (batch === undefined) {
      const id = this.#nextId++;
      batch = { writer: new FrameWriter(), reply: this.replyOf(id, subject), id, frames: 0 };
      this.#batches.set(subject, batch);
    }
    return batch;
  }

  /**
   * A frame was written into `subject`'s batch: publishes it now when `now`,
   * when it holds {@link FRAMES_PER_TURN} frames (see frame-pacer.ts for
   * why) or when it has grown large; else at the end of the turn.
   */
  written(subject: string, now = false): void {
    const batch = this.#batches.get(subject);
    if (batch === undefined) return;
    if (now || ++batch.frames >= FRAMES_PER_TURN || batch.writer.length >= this.#flushAt) this.#publish(subject, batch);
    else this.#scheduled ??= setImmediate(this.#flushAll);
  }

  /** Publishes `subject`'s batch now, if one is being filled. */
  publish(subject: string): void {
    const batch = this.#batches.get(subject);
    if (batch !== undefined) this.#publish(subject, batch);
  }

  /** Publishes every pending batch now, e.g. before the connection drains. */
  flush(): void {
    for (const [subject, batch] of this.#batches) this.#publish(subject, batch);
  }

  readonly #flushAll = (): void => {
    this.#scheduled = undefined;
    this.flush();
  };

  #publish(subject: string, batch: Batch): void {
    this.#batches.delete(subject);
    // Nothing left for the end of the turn: no immediate to run for nothing.
    if (this.#batches.size === 0 && this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(subject, batch.writer.bytes(), batch.reply === undefined ? undefined : { reply: batch.reply });
    } catch (error) {
      // A closing or draining connection: the calls it carried end with it.
      this.onLost(batch, error);
    }
  }
}
