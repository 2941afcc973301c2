/**
 * Writes a streaming call's response messages to grpc-js and tells the
 * sender when to wait: the backpressure that pauses a streaming handler
 * whose client does not read. Internal.
 *
 * grpc-js completes a write once Node's HTTP/2 stream has handed the bytes
 * to nghttp2 for sending, which it does only within the client's HTTP/2
 * flow-control window: a client that does not read stops the callbacks. The
 * call's Writable then returns false after 16 queued messages, whatever their
 * size (16 × 4 MiB at the default message limit). This bounds the bytes
 * written and not yet called back as well, so that the handler is not asked
 * for its next message while more than `maxBufferedBytes` wait in the server.
 * It uses only the public Writable API (write's callback, 'drain').
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { DEFAULT_MAX_BUFFERED_RESPONSE_BYTES, type ServerLimits } from "./limits.js";

/** `limits.maxBufferedResponseBytes`, checked, or its default. */
export function maxBufferedResponseBytes(limits: ServerLimits = {}): number {
  const value = limits.maxBufferedResponseBytes ?? DEFAULT_MAX_BUFFERED_RESPONSE_BYTES;
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`KledServer limits.maxBufferedResponseBytes is ${value}; give a positive whole number of bytes`);
  }
  return value;
}

export class ResponseSender {
  /** Bytes written whose write has not completed. */
  #buffered = 0;
  /** Their sizes, oldest first: a Writable completes writes in order. */
  readonly #sizes: number[] = [];
  /** Resolves the wait for the buffered bytes to fall under the bound. */
  #wake: (() => void) | undefined;
  // One callback for every write, not a closure per message.
  readonly #written = (): void => {
    this.#buffered -= this.#sizes.shift() ?? 0;
    if (this.#wake !== undefined && this.#buffered < this.maxBufferedBytes) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
  };

  /** `signal` gives the call's signal when a wait needs it: an aborted call ends the wait. */
  constructor(
    private readonly call: Writable,
    private readonly maxBufferedBytes: number,
    private readonly signal: () => AbortSignal,
  ) {}

  /**
   * Writes `bytes`; undefined when the next message may follow at once,
   * else a promise that resolves when it may (or rejects when the call is
   * aborted). A single message larger than the bound is written whole.
   */
  write(bytes: Buffer): Promise<void> | undefined {
    this.#buffered += bytes.byteLength;
    this.#sizes.push(bytes.byteLength);
    const flowing = this.call.write(bytes, this.#written);
    if (flowing && this.#buffered < this.maxBufferedBytes) return undefined;
    return this.#wait(!flowing);
  }

  async #wait(drain: boolean): Promise<void> {
    const signal = this.signal();
    if (drain) await once(this.call, "drain", { signal });
    while (this.#buffered >= this.maxBufferedBytes) {
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const aborted = () => reject(signal.reason);
        signal.addEventListener("abort", aborted, { once: true });
        this.#wake = () => {
          signal.removeEventListener("abort", aborted);
          resolve();
        };
      });
    }
  }
}
