import type { Message } from "@bufbuild/protobuf";
import { CODEC_METADATA_KEY, DEFAULT_CODEC_NAME } from "../../codec/codecs.js";
import { Metadata, type ReadonlyMetadata } from "../../context/metadata.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { canAbort } from "../abort.js";
import type { ClientRequest, ClientResponse, StreamClientRequest } from "../call.js";
import { decodeResponse, encodeRequest } from "../client-codec.js";
import { callError } from "../status.js";
import type { DeadlineEntry, Deadlines } from "./deadlines.js";
import { Frame, INITIAL_CREDIT, type FrameReader } from "./frames.js";
import type { Batch } from "./outbox.js";

/** What a call needs of its client transport. */
export interface CallChannel {
  /** The node's subject. */
  readonly subject: string;
  /** The batch of the next message to the node's subject: write one frame into its writer, then call {@link written}. */
  batch(): Batch;
  /** A frame was written; `now` publishes its message at once instead of at the end of the turn. */
  written(now?: boolean): void;
  /** The call is over: forget it. */
  forget(call: ClientCall): void;
  readonly maxPayload: number;
  /** The transport's one timer for the deadlines of its calls. */
  readonly deadlines: Deadlines;
}

/** Room left in a message for a frame's own fields around a request message, bytes. */
const MESSAGE_OVERHEAD_BYTES = 1024;

/**
 * One call made over NATS: sends the request frames, receives the response
 * frames, and maps deadline, cancellation, headers, trailers and statuses
 * as the gRPC transport does. Internal to the NATS client transport.
 */
export class ClientCall implements DeadlineEntry {
  /** The batch that carried the OPEN frame (see the transport's "no responders" handling). */
  batch = 0;
  deadlineAt = 0;
  heapIndex = -1;
  readonly #single: boolean;
  #ended = false;
  #failure: KledError | undefined;
  #headerSeen = false;
  // Response side (streams only; made by the first that needs them).
  #responses: Uint8Array[] | undefined;
  #nextResponseSeq = 1;
  #consumedSinceGrant = 0;
  // The promise of a unary or client-streaming call.
  #resolve: ((response: ClientResponse) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  // Request side.
  #credit = INITIAL_CREDIT;
  #requestError: unknown;
  #waiters: Set<() => void> | undefined;
  /** Made only for a signal that can abort. */
  #onAbort: (() => void) | undefined;

  constructor(
    readonly id: number,
    readonly request: ClientRequest,
    readonly channel: CallChannel,
  ) {
    const { kind } = request.method;
    this.#single = kind === "unary" || kind === "client_streaming";
  }

  /**
   * Sends the call; resolves as the gRPC transport does (at once for streams).
   * `alone`: no other frame is expected to join its OPEN frame in this turn,
   * which then goes at once.
   */
  start(peer: string, alone: boolean): Promise<ClientResponse> {
    const { request } = this;
    const promise = this.#single
      ? new Promise<ClientResponse>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        })
      : Promise.resolve<ClientResponse>({ stream: true, messages: this.#receive() });
    let timeout = 0;
    if (request.deadline !== undefined) {
      const left = Math.max(0, request.deadline.getTime() - Date.now());
      if (left === 0) {
        this.#finish(new KledError(Code.DeadlineExceeded, `deadline of ${request.method.path} exceeded before the call was sent`));
        return promise;
      }
      timeout = left + 1;
      this.deadlineAt = request.deadline.getTime();
      this.channel.deadlines.add(this);
    }
    if (canAbort(request.signal)) {
      this.#onAbort = () => this.#cancel(callError(undefined, this.request), Code.Canceled);
      request.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    try {
      const message = request.stream ? undefined : this.#encode(request.message);
      const batch = this.channel.batch();
      this.batch = batch.id;
      const w = batch.writer;
      w.byte(Frame.Open).varint(this.id).string(request.method.path).varint(timeout).string(peer).metadata(wireMetadata(request));
      if (message !== undefined) w.bytesField(message);
      this.channel.written(alone);
    } catch (error) {
      this.#finish(KledError.from(error));
      return promise;
    }
    if (request.stream) void this.#sendAll(request);
    return promise;
  }

  /** A frame for this call from the server. */
  receive(type: number, reader: FrameReader): void {
    switch (type) {
      case Frame.Header: {
        const header = reader.metadataOrNone();
        if (!this.#ended) this.#header(header);
        return;
      }
      case Frame.ResponseMsg: {
        const seq = reader.varint();
        const bytes = reader.bytesCopy();
        if (this.#ended) return;
        if (seq !== this.#nextResponseSeq++) {
          this.#cancel(new KledError(Code.Unavailable, `${this.request.method.path}: response message lost on the way (expected ${this.#nextResponseSeq - 1}, got ${seq})`), Code.Canceled);
          return;
        }
        this.#header(undefined);
        (this.#responses ??= []).push(bytes);
        this.#wake();
        return;
      }
      case Frame.Reply: {
        const header = reader.metadataOrNone();
        const bytes = reader.bytesField();
        const trailer = reader.metadataOrNone();
        if (this.#ended) return;
        this.#header(header);
        let message: Message;
        try {
          message = decodeResponse(this.request, bytes);
        } catch (error) {
          this.#finish(KledError.from(error));
          return;
        }
        this.request.onTrailer?.(trailer ?? new Metadata());
        this.#finish(undefined);
        this.#resolve?.({ stream: false, message });
        return;
      }
      case Frame.Status: {
        const code = reader.varint() as Code;
        const details = reader.string();
        const trailer = reader.metadataOrNone();
        if (this.#ended) return;
        this.#header(undefined);
        this.request.onTrailer?.(trailer ?? new Metadata());
        if (code === Code.Ok && this.#single) {
          this.#finish(new KledError(Code.Internal, `${this.request.method.path}: the server ended the call without a response message`));
        } else {
          this.#finish(code === Code.Ok ? undefined : statusError(code, details, trailer));
        }
        return;
      }
      case Frame.RequestCredit:
        this.#credit += reader.varint();
        this.#wake();
        return;
      default:
        throw new Error(`unknown frame type ${type}`);
    }
  }

  /** The call failed for a reason of this side (connection lost, no responders): ends it without telling the server. */
  fail(error: KledError): void {
    this.#finish(error);
  }

  /** Whether anything of the server's answer arrived yet. */
  get answered(): boolean {
    return this.#headerSeen;
  }

  /** The deadline passed (see deadlines.ts). */
  expire(): void {
    this.#cancel(new KledError(Code.DeadlineExceeded, `deadline of ${this.request.method.path} exceeded`), Code.DeadlineExceeded);
  }

  /** Ends the call locally and tells the server to abort the handler with `code`. */
  #cancel(error: KledError, code: Code): void {
    if (this.#ended) return;
    this.#finish(error);
    this.channel.batch().writer.byte(Frame.Cancel).varint(this.id).varint(code);
    this.channel.written();
  }

  #finish(error: KledError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = error;
    if (this.heapIndex >= 0) this.channel.deadlines.remove(this);
    if (this.#onAbort !== undefined) this.request.signal.removeEventListener("abort", this.#onAbort);
    this.channel.forget(this);
    if (error !== undefined) this.#reject?.(error);
    this.#wake();
  }

  #header(header: Metadata | undefined): void {
    if (this.#headerSeen) return;
    this.#headerSeen = true;
    // Most calls carry none and have no listener: no Metadata for them.
    this.request.onHeader?.(header ?? new Metadata());
  }

  /** Yields decoded responses; leaving early (break, return, throw) cancels the call. */
  async *#receive(): AsyncGenerator<Message> {
    try {
      for (;;) {
        const bytes = this.#responses?.shift();
        if (bytes !== undefined) {
          if (++this.#consumedSinceGrant >= INITIAL_CREDIT / 2 && !this.#ended) {
            const n = this.#consumedSinceGrant;
            this.#consumedSinceGrant = 0;
            this.channel.batch().writer.byte(Frame.Credit).varint(this.id).varint(n);
            this.channel.written();
          }
          yield decodeResponse(this.request, bytes);
          continue;
        }
        if (this.#ended) {
          if (this.#requestError !== undefined) throw KledError.from(this.#requestError);
          if (this.#failure !== undefined) throw this.#failure;
          return;
        }
        await this.#wait();
      }
    } finally {
      this.#cancel(new KledError(Code.Canceled, `${this.request.method.path}: the caller stopped reading`), Code.Canceled);
    }
  }

  /** Writes every request message as credit allows, then half-closes; a failing request stream cancels the call. */
  async #sendAll(request: StreamClientRequest): Promise<void> {
    let seq = 1;
    try {
      for await (const message of request.messages) {
        while (this.#credit <= 0 && !this.#ended) await this.#wait();
        if (this.#ended) return;
        const bytes = this.#encode(message);
        const n = seq++;
        this.#credit--;
        this.channel.batch().writer.byte(Frame.Msg).varint(this.id).varint(n).bytesField(bytes);
        this.channel.written();
      }
      if (!this.#ended) {
        this.channel.batch().writer.byte(Frame.End).varint(this.id);
        this.channel.written();
      }
    } catch (error) {
      if (this.#ended) return;
      this.#requestError = error;
      this.#cancel(KledError.from(error), Code.Canceled);
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => {
      const waiters = (this.#waiters ??= new Set());
      const wake = (): void => {
        waiters.delete(wake);
        resolve();
      };
      waiters.add(wake);
    });
  }

  #wake(): void {
    if (this.#waiters === undefined || this.#waiters.size === 0) return;
    for (const wake of [...this.#waiters]) wake();
  }

  #encode(message: Message): Uint8Array {
    const { request } = this;
    const bytes = encodeRequest(request, message);
    if (bytes.byteLength > this.channel.maxPayload - MESSAGE_OVERHEAD_BYTES) {
      throw new KledError(
        Code.ResourceExhausted,
        `request of ${request.method.path} is ${bytes.byteLength} bytes; the NATS server accepts messages of up to ${this.channel.maxPayload} bytes (its max_payload)`,
      );
    }
    return bytes;
  }
}

/** The request metadata, with the codec when it is not the default, as over gRPC. */
function wireMetadata(request: ClientRequest): ReadonlyMetadata {
  if (request.codec.name === DEFAULT_CODEC_NAME) return request.metadata;
  return new Metadata(request.metadata).set(CODEC_METADATA_KEY, request.codec.name);
}

/** The KledError of a status the server sent: text trailers as `metadata`, `-bin` ones as `binaryMetadata`. */
function statusError(code: Code, details: string, trailer: Metadata | undefined): KledError {
  const text: Record<string, string> = {};
  const binary: Record<string, Uint8Array> = {};
  for (const [key, value] of trailer?.entries() ?? []) {
    if (typeof value === "string") text[key] ??= value;
    else binary[key] ??= value;
  }
  return new KledError(code, details, text, { binaryMetadata: binary });
}
