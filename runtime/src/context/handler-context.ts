import type { PeerCertificate } from "node:tls";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import type { Logger } from "../logging/logger.js";
import type { Identity } from "./identity.js";
import type { MetadataValue, ReadonlyMetadata } from "./metadata.js";

/**
 * What a handler knows about the call it serves. Outgoing client calls made
 * while a handler runs inherit its deadline, its cancellation and its trace
 * metadata (see {@link currentContext}).
 */
export interface HandlerContext {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  /** Request metadata (headers), as the client sent them. */
  readonly metadata: ReadonlyMetadata;
  /** When the client stops waiting; undefined when it set no deadline. */
  readonly deadline: Date | undefined;
  /**
   * Aborted when the client cancels, its connection closes, the deadline
   * passes (by a server-side timer at the deadline), or the server shuts
   * down without waiting any longer. Its `reason` is a KledError saying which.
   * A call already over when it reached the server never starts its handler.
   */
  readonly signal: AbortSignal;
  /** The client's address as grpc-js reports it, e.g. `127.0.0.1:53412`. */
  readonly peer: string;
  /** The verified caller, set by an auth middleware; undefined without one. */
  readonly identity: Identity | undefined;
  /** The call's `x-request-id`: the client's, or a generated one. */
  readonly requestId: string;
  /** A logger whose records carry the method and the request id. */
  readonly logger: Logger;
  /**
   * Sets a response header. Headers leave with the first response message,
   * so set them before returning or yielding it; later calls throw.
   */
  setHeader(key: string, value: MetadataValue): void;
  /** Sets a response trailer, sent with the status when the call ends. */
  setTrailer(key: string, value: MetadataValue): void;
}

/**
 * The context as server middleware sees it: like {@link HandlerContext}, but
 * an auth middleware may set the identity after verifying a credential.
 */
export interface ServerContext extends HandlerContext {
  identity: Identity | undefined;
  /**
   * The client certificate of an mTLS connection, present only when the TLS
   * handshake verified it against the server's CA; undefined on plaintext
   * and on TLS without a client certificate.
   */
  readonly peerCertificate: PeerCertificate | undefined;
}
