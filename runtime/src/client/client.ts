import type { DescMessage, Message, MessageInitShape } from "@bufbuild/protobuf";
import type { MetadataInit, ReadonlyMetadata } from "../context/metadata.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";

/** Options of one call; they override the {@link ServiceClientOptions}. */
export interface CallOptions {
  /** Milliseconds the call may take. Ignored when `deadline` is set. */
  timeoutMs?: number;
  /** When the call must be over. */
  deadline?: Date;
  /** Aborting it cancels the call; the call rejects with `CANCELED`. */
  signal?: AbortSignal;
  /** Request metadata; a key given here replaces the service client's default values of it. */
  metadata?: MetadataInit;
  /** Receives the response headers when they arrive. */
  onHeader?(header: ReadonlyMetadata): void;
  /** Receives the response trailers when the call ends, failed or not. */
  onTrailer?(trailer: ReadonlyMetadata): void;
  /**
   * `true` retries this call after a transport failure even if its method is
   * not marked idempotent; `false` never retries it. Default: retried only
   * when the method is `idempotent` or `no-side-effects`, or the resilience
   * configuration allows it. Header and trailer callbacks see only the
   * attempt whose outcome the call returns.
   */
  retry?: boolean;
}

/** Options of a typed service client (`create…Client(client, options)`). */
export interface ServiceClientOptions {
  /**
   * The registered name of the service to call. Default: the proto service's
   * full name (`definition.typeName`).
   */
  service?: string;
  /** Call this node (`host:port`) directly instead of asking the registry. */
  address?: string;
  /** Default timeout of each call in milliseconds. */
  timeoutMs?: number;
  /** Metadata sent with every call. */
  metadata?: MetadataInit;
  /** Codec name, `proto` (default) or `json`. */
  codec?: string;
}

/** A message, or the init shape of one, of any type. */
export type AnyMessageInit = Message | MessageInitShape<DescMessage>;

/** The method being called, with the service client's defaults. */
export interface MethodCall {
  readonly service: ServiceDefinition;
  readonly method: MethodDefinition;
  readonly defaults: ServiceClientOptions;
}

/**
 * Calls services (the go-micro `client.Client` shape). Typed service clients
 * from `create…Client` are built on these four methods, one per RPC kind.
 * Streams are lazy: a call starts when iteration does.
 */
export interface Client {
  unary(call: MethodCall, request: AnyMessageInit, options?: CallOptions): Promise<Message>;
  serverStream(call: MethodCall, request: AnyMessageInit, options?: CallOptions): AsyncIterable<Message>;
  clientStream(call: MethodCall, requests: AsyncIterable<AnyMessageInit>, options?: CallOptions): Promise<Message>;
  bidiStream(call: MethodCall, requests: AsyncIterable<AnyMessageInit>, options?: CallOptions): AsyncIterable<Message>;
  /** Closes every connection; calls started afterwards fail. */
  close(): Promise<void>;
}
