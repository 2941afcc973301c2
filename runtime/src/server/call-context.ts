import type { PeerCertificate } from "node:tls";
import type { HandlerContext, ServerContext } from "../context/handler-context.js";
import type { Identity } from "../context/identity.js";
import { Metadata, type MetadataValue, type ReadonlyMetadata } from "../context/metadata.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { isLevelEnabled, type Logger, type LogLevel } from "../logging/logger.js";
import { newRequestId } from "../context/propagation.js";

/** What the server knows when a call arrives. */
export interface CallContextInit {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  /** Request metadata, or how to convert it on first read: most calls never read it. */
  readonly metadata: ReadonlyMetadata | (() => ReadonlyMetadata);
  readonly deadline: Date | undefined;
  /** The client's address, or how to read it when first asked. */
  readonly peer: string | (() => string);
  /**
   * The verified client certificate of an mTLS connection, read when first
   * asked: Node builds the certificate object anew on every read, and only
   * mTLS authentication needs it.
   */
  readonly peerCertificate: () => PeerCertificate | undefined;
  /** The client's `x-request-id`; undefined to make one when first read (most calls never read it). */
  readonly requestId: string | undefined;
  /** The server's logger; the call's own is its child, made on first use. */
  readonly parentLogger: Logger;
}

/**
 * The server's context of one call. It also holds the response headers and
 * trailers until the transport sends them. Internal.
 *
 * The deadline has a timer of ours that aborts the signal when it passes:
 * grpc-js ends the call at the deadline too, but reports it only when its
 * own timer fires and the stream closes, which a busy server may see late,
 * and not at all to a handler that started after the call was over. The
 * timer is set when the signal is first read: only a reader of the signal
 * needs to be woken, and most unary calls (all carrying the client's default
 * deadline) end without one, so they skip a timer each. Code about to do
 * something lasting (start the handler, commit, send a stream's next
 * message) asks {@link stopReason}, which reads the clock.
 */
export class CallContext implements ServerContext {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  readonly deadline: Date | undefined;
  #peer: string | (() => string);
  #peerCertificate: PeerCertificate | undefined | (() => PeerCertificate | undefined);
  #requestId: string | undefined;
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
  #deadlineTimer: NodeJS.Timeout | undefined;

  constructor(init: CallContextInit) {
    this.method = init.method;
    this.service = init.service;
    this.#metadata = init.metadata;
    this.deadline = init.deadline;
    this.#peer = init.peer;
    this.#peerCertificate = init.peerCertificate;
    this.#requestId = init.requestId;
    this.#parentLogger = init.parentLogger;
    if (init.deadline !== undefined && init.deadline.getTime() <= Date.now()) this.abort(this.#deadlineExceeded());
  }

  get peer(): string {
    if (typeof this.#peer === "function") this.#peer = this.#peer();
    return this.#peer;
  }

  get peerCertificate(): PeerCertificate | undefined {
    if (typeof this.#peerCertificate === "function") this.#peerCertificate = this.#peerCertificate();
    return this.#peerCertificate;
  }

  get metadata(): ReadonlyMetadata {
    if (typeof this.#metadata === "function") this.#metadata = this.#metadata();
    return this.#metadata;
  }

  get requestId(): string {
    return (this.#requestId ??= newRequestId());
  }

  get logger(): Logger {
    return (this.#logger ??= this.#parentLogger.child({ method: this.method.path, requestId: this.requestId }));
  }

  /** Whether the call's logger writes `level`, asked without making the logger (and its request id). */
  logs(level: LogLevel): boolean {
    return isLevelEnabled(this.#logger ?? this.#parentLogger, level);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
      else this.#armDeadline();
    }
    return this.#controller.signal;
  }

  /** Aborts at the deadline: now if it has passed, else by a timer. */
  #armDeadline(): void {
    if (this.deadline === undefined || this.#ended) return;
    const left = this.deadline.getTime() - Date.now();
    if (left <= 0) this.abort(this.#deadlineExceeded());
    // Unref'd: a pending deadline must not keep the process alive.
    else this.#deadlineTimer = setTimeout(() => this.abort(this.#deadlineExceeded()), left).unref();
  }

  /** Whether the call is over (see {@link end}); aborts are ignored from then on. */
  get ended(): boolean {
    return this.#ended;
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

  /**
   * Why the call can no longer succeed, or undefined while it is live: it
   * was aborted, or the clock says its deadline has passed (timers may fire
   * late on a busy server; then this aborts it now). Undefined once the call
   * ended without being aborted.
   */
  stopReason(): KledError | undefined {
    if (this.#abortReason !== undefined || this.#ended) return this.#abortReason;
    if (this.deadline !== undefined && this.deadline.getTime() <= Date.now()) this.abort(this.#deadlineExceeded());
    return this.#abortReason;
  }

  /** Marks the call over: later aborts are ignored. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#deadlineTimer);
  }

  #deadlineExceeded(): KledError {
    return new KledError(Code.DeadlineExceeded, `deadline of ${this.method.path} exceeded`);
  }
}

/**
 * Why `context`'s call can no longer succeed (see {@link CallContext.stopReason}),
 * or undefined while it is live: for a server's own context without making
 * its signal. Ask it right before doing something lasting, e.g. committing.
 */
export function stopReasonOf(context: HandlerContext): unknown {
  if (context instanceof CallContext) return context.stopReason();
  if (context.signal.aborted) return context.signal.reason;
  const deadline = context.deadline;
  return deadline !== undefined && deadline.getTime() <= Date.now()
    ? new KledError(Code.DeadlineExceeded, `deadline of ${context.method.path} exceeded`)
    : undefined;
}
