import type { PeerCertificate } from "node:tls";
import type { ServerContext } from "../context/handler-context.js";
import type { Identity } from "../context/identity.js";
import { Metadata, type MetadataValue, type ReadonlyMetadata } from "../context/metadata.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { Logger } from "../logging/logger.js";

/** What the server knows when a call arrives. */
export interface CallContextInit {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  readonly metadata: ReadonlyMetadata;
  readonly deadline: Date | undefined;
  readonly peer: string;
  /** The verified client certificate of an mTLS connection. */
  readonly peerCertificate: PeerCertificate | undefined;
  readonly requestId: string;
  readonly logger: Logger;
}

/**
 * The server's context of one call. It also holds the response headers and
 * trailers until the transport sends them. Internal.
 */
export class CallContext implements ServerContext {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  readonly metadata: ReadonlyMetadata;
  readonly deadline: Date | undefined;
  readonly peer: string;
  readonly peerCertificate: PeerCertificate | undefined;
  readonly requestId: string;
  readonly logger: Logger;
  identity: Identity | undefined = undefined;
  /** Response headers set so far. */
  readonly header = new Metadata();
  /** Response trailers set so far. */
  readonly trailer = new Metadata();
  readonly #controller = new AbortController();
  #headerSent = false;
  #ended = false;
  #deadlineTimer: NodeJS.Timeout | undefined;

  constructor(init: CallContextInit) {
    this.method = init.method;
    this.service = init.service;
    this.metadata = init.metadata;
    this.deadline = init.deadline;
    this.peer = init.peer;
    this.peerCertificate = init.peerCertificate;
    this.requestId = init.requestId;
    this.logger = init.logger;
    if (init.deadline !== undefined) {
      // Our own timer, so that the signal aborts at the deadline whether or
      // not the transport reports the expiry as a cancellation.
      this.#deadlineTimer = setTimeout(
        () => this.abort(new KledError(Code.DeadlineExceeded, `deadline of ${this.method.path} exceeded`)),
        Math.max(0, init.deadline.getTime() - Date.now()),
      );
      this.#deadlineTimer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  setHeader(key: string, value: MetadataValue): void {
    if (this.#headerSent) {
      throw new Error(
        `${this.method.path}: cannot set header "${key}", the headers were sent with the first response message; set headers before returning or yielding it`,
      );
    }
    this.header.set(key, value);
  }

  setTrailer(key: string, value: MetadataValue): void {
    this.trailer.set(key, value);
  }

  /**
   * Aborts the signal once; later reasons are ignored, and so is any after
   * the call ended (grpc-js reports a closing stream as cancelled even
   * after a successful response).
   */
  abort(reason: KledError): void {
    if (!this.#ended && !this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** The headers to send now, or undefined when they were sent already. */
  takeHeader(): Metadata | undefined {
    if (this.#headerSent) return undefined;
    this.#headerSent = true;
    return this.header;
  }

  /** Marks the call over and releases the deadline timer. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#deadlineTimer);
  }
}
