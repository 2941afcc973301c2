import type { Message } from "@bufbuild/protobuf";
import type { Codec } from "../../codec/codec.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import type { CallContext } from "../../server/call-context.js";
import type { ServerResponse } from "../../server/middleware.js";
import { sendResponseMessages } from "../../server/response-stream.js";
import type { MethodBinding, Responder } from "../../server/serve-call.js";
import type { CallStatus } from "../../server/status.js";
import { Frame, INITIAL_CREDIT, type FrameWriter } from "./frames.js";

/** Where a call's frames go: the client's response subject, through the server's outbox. */
export interface ReplyChannel {
  /** The writer of the next message to the client: write one frame, then call {@link written}. */
  writer(): FrameWriter;
  /** A frame was written; `last` when it ends its call. */
  written(last: boolean): void;
  /** The largest message payload the NATS server accepts, bytes. */
  readonly maxPayload: number;
}

/**
 * One call served over NATS: feeds the request stream from MSG frames with
 * credit-based flow control, and sends the response as frames, waiting for
 * the client's credit. It is its call's {@link Responder}: the outcome goes
 * back in one REPLY frame, or as a stream of MSG frames and a STATUS.
 * Internal to the NATS server transport.
 */
export class ServerCall implements Responder {
  // Request stream (streams only; made by the first that needs them).
  #requests: Uint8Array[] | undefined;
  #requestsEnded = false;
  #nextRequestSeq = 1;
  #consumedSinceGrant = 0;
  // Response stream.
  #credit = INITIAL_CREDIT;
  #nextResponseSeq = 1;
  #unackedSizes: number[] | undefined;
  #unackedBytes = 0;
  /** Whoever waits for a request message or for credit: woken by any frame. */
  #waiters: Set<() => void> | undefined;
  readonly #single: boolean;

  constructor(
    readonly id: number,
    private readonly binding: MethodBinding,
    readonly context: CallContext,
    private readonly channel: ReplyChannel,
  ) {
    const { kind } = binding.method;
    this.#single = kind === "unary" || kind === "client_streaming";
  }

  /** A MSG frame: the next request message, copied out of the payload (the call keeps it). */
  pushRequest(seq: number, bytes: Uint8Array): void {
    if (this.#requestsEnded) return;
    if (seq !== this.#nextRequestSeq) {
      this.context.abort(new KledError(Code.Unavailable, `${this.binding.method.path}: request message ${this.#nextRequestSeq} was lost on the way (got ${seq})`));
      this.#wake();
      return;
    }
    this.#nextRequestSeq++;
    (this.#requests ??= []).push(bytes);
    this.#wake();
  }

  /** An END frame: the client half-closed. */
  endRequests(): void {
    this.#requestsEnded = true;
    this.#wake();
  }

  /** A CANCEL frame. */
  cancel(code: number): void {
    const path = this.binding.method.path;
    this.context.abort(
      code === Code.DeadlineExceeded
        ? new KledError(Code.DeadlineExceeded, `deadline of ${path} exceeded`)
        : new KledError(Code.Canceled, `client canceled ${path}`),
    );
    this.#wake();
  }

  /** A CREDIT frame: the client consumed `n` more response messages. */
  grant(n: number): void {
    this.#credit += n;
    const sizes = this.#unackedSizes;
    for (let i = 0; sizes !== undefined && i < n && sizes.length > 0; i++) this.#unackedBytes -= sizes.shift()!;
    this.#wake();
  }

  /** The request messages, as the client sends them; granting credit as they are read. */
  async *requests(): AsyncGenerator<Uint8Array> {
    const context = this.context;
    for (;;) {
      const next = this.#requests?.shift();
      if (next !== undefined) {
        if (++this.#consumedSinceGrant >= INITIAL_CREDIT / 2) {
          const n = this.#consumedSinceGrant;
          this.#consumedSinceGrant = 0;
          this.channel.writer().byte(Frame.RequestCredit).varint(this.id).varint(n);
          this.channel.written(false);
        }
        yield next;
        continue;
      }
      if (context.abortReason !== undefined) throw context.abortReason;
      if (this.#requestsEnded) return;
      await this.#waitFor();
    }
  }

  ok(response: ServerResponse, codec: Codec): Promise<void> | undefined {
    return this.#single ? this.#reply(response, codec) : this.#stream(response, codec);
  }

  fail(status: CallStatus): void {
    this.#sendHeader();
    this.channel.writer().byte(Frame.Status).varint(this.id).varint(status.code).string(status.details).metadata(status.trailer);
    this.channel.written(true);
  }

  #reply(response: ServerResponse, codec: Codec): undefined {
    if (response.stream) {
      throw new KledError(Code.Internal, `middleware of ${this.binding.method.path} answered a unary method with a stream`);
    }
    // An answer after the call ended early reached no one: report why it ended.
    const stopped = this.context.stopReason();
    if (stopped !== undefined) throw stopped;
    const bytes = this.#encode(codec, response.message);
    const header = this.context.takeHeader();
    const trailer = this.context.trailer;
    this.channel.writer().byte(Frame.Reply).varint(this.id).metadata(header).bytesField(bytes).metadata(trailer);
    this.channel.written(true);
    return undefined;
  }

  async #stream(response: ServerResponse, codec: Codec): Promise<void> {
    const { context } = this;
    if (!response.stream) {
      throw new KledError(Code.Internal, `middleware of ${this.binding.method.path} answered a stream method with one message`);
    }
    const send = (message: Message): Promise<void> | undefined => {
      this.#sendHeader();
      const bytes = this.#encode(codec, message);
      const seq = this.#nextResponseSeq++;
      this.channel.writer().byte(Frame.ResponseMsg).varint(this.id).varint(seq).bytesField(bytes);
      this.channel.written(false);
      this.#credit--;
      (this.#unackedSizes ??= []).push(bytes.byteLength);
      this.#unackedBytes += bytes.byteLength;
      return this.#mustWait() ? this.#waitForCredit() : undefined;
    };
    await sendResponseMessages(response.messages, send, context);
    this.#sendHeader();
    const trailer = context.trailer;
    this.channel.writer().byte(Frame.Status).varint(this.id).varint(Code.Ok).string("").metadata(trailer);
    this.channel.written(true);
  }

  #sendHeader(): void {
    const header = this.context.takeHeader();
    if (header === undefined) return;
    this.channel.writer().byte(Frame.Header).varint(this.id).metadata(header);
    this.channel.written(false);
  }

  #encode(codec: Codec, message: Message): Uint8Array {
    const bytes = codec.encode(this.binding.method.output, message);
    if (bytes.byteLength > this.channel.maxPayload - MESSAGE_OVERHEAD_BYTES) {
      throw new KledError(
        Code.ResourceExhausted,
        `response of ${this.binding.method.path} is ${bytes.byteLength} bytes; the NATS server accepts messages of up to ${this.channel.maxPayload} bytes (its max_payload)`,
      );
    }
    return bytes;
  }

  #mustWait(): boolean {
    return this.#credit <= 0 || this.#unackedBytes >= this.binding.maxBufferedResponseBytes;
  }

  async #waitForCredit(): Promise<void> {
    const signal = this.context.signal;
    while (this.#mustWait()) {
      signal.throwIfAborted();
      await this.#waitFor();
    }
  }

  #waitFor(): Promise<void> {
    const signal = this.context.signal;
    const waiters = (this.#waiters ??= new Set());
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        signal.removeEventListener("abort", wake);
        waiters.delete(wake);
        resolve();
      };
      waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  #wake(): void {
    if (this.#waiters === undefined || this.#waiters.size === 0) return;
    for (const wake of [...this.#waiters]) wake();
  }
}

/** Room left in a message for a frame's own fields around a response message, bytes. */
const MESSAGE_OVERHEAD_BYTES = 1024;
