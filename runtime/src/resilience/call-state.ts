/**
 * What the policies of one call remember across its attempts: the nodes
 * tried, the last failure, the replayable request stream, and the headers
 * and trailers of the attempt the caller will see.
 */
import type { Message } from "@bufbuild/protobuf";
import type { ClientRequest } from "../transport/call.js";
import type { ReadonlyMetadata } from "../context/metadata.js";
import type { KledError } from "../errors/kled-error.js";
import { DEFAULT_STREAM_REPLAY_LIMIT } from "./defaults.js";
import type { CallPolicy } from "./policy.js";
import { ReplayableStream } from "./replay.js";

export class CallState {
  /** Node ids tried in the current round; cleared once every node was tried. */
  readonly tried = new Set<string>();
  readonly replay: ReplayableStream<Message> | undefined;
  /** The deadline of every attempt together, epoch ms. */
  readonly deadline: number | undefined;
  attempts = 0;
  /** The node of the latest attempt; undefined when no node was picked for it. */
  node: string | undefined;
  /** The failure that the latest retry followed. */
  lastError: KledError | undefined;
  /**
   * A backoff wait was cut at the deadline: the attempt after it is past the
   * deadline even when its timer fired a little early (Node times waits on
   * the event loop's cached clock, which lags behind Date.now() on a busy
   * loop), so it fails DEADLINE_EXCEEDED rather than start.
   */
  waitedToDeadline = false;
  #delivery: Delivery | undefined;

  constructor(
    readonly request: ClientRequest,
    readonly policy: CallPolicy,
  ) {
    this.deadline = request.deadline?.getTime();
    this.replay = request.stream ? new ReplayableStream(request.messages, DEFAULT_STREAM_REPLAY_LIMIT) : undefined;
  }

  /**
   * The request of the next attempt: the same call, with `exclude` for the
   * selector, a fresh read of the request stream, and headers and trailers
   * held back until this attempt is known to be the one the caller sees.
   */
  attemptRequest(exclude: ReadonlySet<string>): ClientRequest {
    const { onHeader, onTrailer } = this.request;
    // A caller that wants neither gets no Delivery, and the transport then
    // converts no header or trailer.
    let base: ClientRequest;
    if (onHeader === undefined && onTrailer === undefined) {
      // Most first attempts change nothing: no copy of the request for them.
      if (exclude === this.request.exclude && !this.request.stream) return this.request;
      base = { ...this.request, exclude };
    } else {
      const delivery = new Delivery(this.request);
      this.#delivery = delivery;
      base = {
        ...this.request,
        exclude,
        onHeader: onHeader === undefined ? undefined : delivery.onHeader,
        onTrailer: onTrailer === undefined ? undefined : delivery.onTrailer,
      };
    }
    if (!base.stream) return base;
    if (this.replay === undefined) throw new Error("internal: a streaming request without its replay");
    return { ...base, messages: this.replay.reader() };
  }

  /** The latest attempt answered: no retry from here on. */
  answered(): void {
    this.replay?.release();
  }

  /** The call is over for the policies: the caller gets the latest attempt's header and trailer. */
  settle(error: KledError | undefined): void {
    if (error !== undefined) this.replay?.close();
    this.#delivery?.release();
  }
}

/** Holds an attempt's header and trailer until {@link release}, then passes them on as they come. */
class Delivery {
  #released = false;
  #header: ReadonlyMetadata | undefined;
  #trailer: ReadonlyMetadata | undefined;

  constructor(private readonly request: ClientRequest) {}

  readonly onHeader = (header: ReadonlyMetadata): void => {
    if (this.#released) this.request.onHeader?.(header);
    else this.#header = header;
  };

  readonly onTrailer = (trailer: ReadonlyMetadata): void => {
    if (this.#released) this.request.onTrailer?.(trailer);
    else this.#trailer = trailer;
  };

  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#header !== undefined) this.request.onHeader?.(this.#header);
    if (this.#trailer !== undefined) this.request.onTrailer?.(this.#trailer);
  }
}
