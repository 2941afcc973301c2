import type { PeerCertificate } from "node:tls";
import type { ServerContext } from "../context/handler-context.js";
import type { Identity } from "../context/identity.js";
import { Metadata, type MetadataValue, type ReadonlyMetadata } from "../context/metadata.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import type { KledError } from "../errors/kled-error.js";
import type { Logger } from "../logging/logger.js";

/** What the server knows when a call arrives. */
export interface CallContextInit {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  /** Request metadata, converted on first read: most calls never read it. */
  readonly metadata: () => ReadonlyMetadata;
  readonly deadline: Date | undefined;
  readonly peer: string;
  /**
   * The verified client certificate of an mTLS connection, read when first
   * asked: Node builds the certificate object anew on every read, and only
   * mTLS authentication needs it.
   */
  readonly peerCertificate: () => PeerCertificate | undefined;
  readonly requestId: string;
  /** The server's logger; the call's own is its child, made on first use. */
  readonly parentLogger: Logger;
}

/**
 * The server's context of one call. It also holds the response headers and
 * trailers until the transport sends them. Internal.
 *
 * The deadline needs no timer of ours: grpc-js ends the call with
 * DEADLINE_EXCEEDED at the deadline and reports it as a cancellation, which
 * the transport turns into {@link abort}.
 */
export class CallContext implements ServerContext {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  readonly deadline: Date | undefined;
  readonly peer: string;
  #peerCertificate: PeerCertificate | undefined | (() => PeerCertificate | undefined);
  readonly requestId: string;
  identity: Identity | undefined = undefined;
  // Response headers and trailers, made when the first is set: most calls
  // set none, and the transport then sends none of its own.
  #header: Metadata | undefined;
  #trailer: Metadata | undefined;
  /** The metadata, or until first read, how to convert it. */
  #metadata: ReadonlyMetadata | (() => ReadonlyMetadata);
  #parentLogger: Logger;
  #logger: Logger | undefined;
  // The controller is made when the signal is first read; until then an
  // abort only records its reason.
  #controller: AbortController | undefined;
  #abortReason: KledError | undefined;
  #headerSent = false;
  #ended = false;

  constructor(init: CallContextInit) {
    this.method = init.method;
    this.service = init.service;
    this.#metadata = init.metadata;
    this.deadline = init.deadline;
    this.peer = init.peer;
    this.#peerCertificate = init.peerCertificate;
    this.requestId = init.requestId;
    this.#parentLogger = init.parentLogger;
  }

  get peerCertificate(): PeerCertificate | undefined {
    if (typeof this.#peerCertificate === "function") this.#peerCertificate = this.#peerCertificate();
    return this.#peerCertificate;
  }

  get metadata(): ReadonlyMetadata {
    if (typeof this.#metadata === "function") this.#metadata = this.#metadata();
    return this.#metadata;
  }

  get logger(): Logger {
    return (this.#logger ??= this.#parentLogger.child({ method: this.method.path, requestId: this.requestId }));
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Why the call was aborted, or undefined while it was not; reads without making the signal. */
  get abortReason(): KledError | undefined {
    return this.#abortReason;
  }

  setHeader(key: string, value: MetadataValue): void {
    if (this.#headerSent) {
      throw new Error(
        `${this.method.path}: cannot set header "${key}", the headers were sent with the first response message; set headers before returning or yielding it`,
      );
    }
    (this.#header ??= new Metadata()).set(key, value);
  }

  setTrailer(key: string, value: MetadataValue): void {
    (this.#trailer ??= new Metadata()).set(key, value);
  }

  /** The trailers set so far, or undefined when none were. */
  get trailer(): ReadonlyMetadata | undefined {
    return this.#trailer;
  }

  /**
   * Aborts the signal once; later reasons are ignored, and so is any after
   * the call ended (grpc-js reports a closing stream as cancelled even
   * after a successful response).
   */
  abort(reason: KledError): void {
    if (this.#ended || this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** The headers to send now, or undefined when they were sent already or none were set. */
  takeHeader(): Metadata | undefined {
    if (this.#headerSent) return undefined;
    this.#headerSent = true;
    return this.#header;
  }

  /** Marks the call over: later aborts are ignored. */
  end(): void {
    this.#ended = true;
  }
}

/**
 * Why `context`'s call was aborted, or undefined: for a server's own
 * context without making its signal.
 */
export function abortReasonOf(context: ServerContext): unknown {
  if (context instanceof CallContext) return context.abortReason;
  return context.signal.aborted ? context.signal.reason : undefined;
}
