/**
 * The response stream of a streaming handler, as the handler step returns
 * it: the handler's iterable, the conversion of each value to a message,
 * and the callbacks to call when the stream ends. Internal.
 *
 * Middleware that only needs to know when the stream ends (logging) adds a
 * callback with {@link withEnd} instead of wrapping the iterable, and the
 * transport sends with {@link pump}, which reads the handler's iterable
 * directly: a streamed message costs one async step, not one per layer —
 * none when the handler returned a sync iterable and the transport keeps up.
 * Anyone else iterates it like any AsyncIterable.
 */
import type { Message } from "@bufbuild/protobuf";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { CallContext } from "./call-context.js";

/** Called once when the stream ends: undefined when it ran out, else why it stopped. */
export type StreamEnd = (error: unknown) => void;

/**
 * Sends the messages of a streaming response with `send`, for every server
 * transport (gRPC, NATS): through {@link ResponseStream.pump} when middleware
 * left the stream as the handler step made it, else by iterating whatever
 * iterable replaced it. Stops before the next message once the call is
 * aborted, and then throws why (deadline, cancellation), so the transport
 * sends that status instead of OK.
 */
export async function sendResponseMessages(
  messages: AsyncIterable<Message>,
  send: (message: Message) => Promise<void> | undefined,
  context: CallContext,
): Promise<void> {
  // The clock too: the deadline's timer exists only once the handler read its signal.
  const stopped = () => context.stopReason() !== undefined;
  if (messages instanceof ResponseStream) {
    await messages.pump(send, stopped);
  } else {
    for await (const message of messages) {
      if (stopped()) break;
      await send(message);
    }
  }
  const ended = context.stopReason();
  if (ended !== undefined) throw ended;
}

export class ResponseStream implements AsyncIterable<Message> {
  /**
   * `source` gives the handler's iterable, async or sync, when iteration
   * starts (and throws if the handler returned something else); `convert`
   * turns each value into the message to send.
   */
  constructor(
    private readonly source: () => AsyncIterable<unknown> | Iterable<unknown>,
    private readonly convert: (value: unknown) => Message,
    private readonly ends: readonly StreamEnd[] = [],
  ) {}

  /** The same stream, calling `done` too when it ends (after the callbacks added before). */
  withEnd(done: StreamEnd): ResponseStream {
    return new ResponseStream(this.source, this.convert, [...this.ends, done]);
  }

  /**
   * Sends every message with `send` (awaiting it when it returns a promise),
   * until the stream ends or `stopped` says so before a message.
   */
  async pump(send: (message: Message) => Promise<void> | undefined, stopped: () => boolean): Promise<void> {
    let outcome: unknown = stoppedEarly();
    try {
      const source = this.source();
      if (Symbol.asyncIterator in source) {
        for await (const value of source) {
          if (stopped()) return;
          const sent = send(this.convert(value));
          if (sent !== undefined) await sent;
        }
      } else {
        // A sync source is read without awaiting between messages; the
        // transport's backpressure (send returning a promise: the client's
        // flow-control window is full, or the call's buffered-bytes bound is
        // reached) is what pauses it, and what lets a cancellation be seen.
        for (const value of source) {
          if (stopped()) return;
          const sent = send(this.convert(value));
          if (sent !== undefined) await sent;
        }
      }
      outcome = undefined;
    } catch (error) {
      outcome = error;
      throw error;
    } finally {
      this.#end(outcome);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Message> {
    let outcome: unknown = stoppedEarly();
    try {
      for await (const value of this.source()) yield this.convert(value);
      outcome = undefined;
    } catch (error) {
      outcome = error;
      throw error;
    } finally {
      this.#end(outcome);
    }
  }

  #end(outcome: unknown): void {
    for (const done of this.ends) done(outcome);
  }
}

function stoppedEarly(): KledError {
  return new KledError(Code.Canceled, "the consumer stopped reading the stream early");
}
