/**
 * Client middleware: plain functions that wrap the next step of a call, in
 * the style of connect-es interceptors and go-micro's `WrapClient`.
 *
 * Order: the first middleware in a list is the outermost. With
 * `middleware: [a, b]` a call runs a → b → node selection → transport, and
 * the response passes back through b, then a. Selection runs inside the
 * middleware, so a retry middleware that calls `next` again picks a node
 * again (skipping the ids in `exclude`). The client's resilience policies
 * (resilience/) run innermost, around selection and transport: middleware
 * sees one call however many attempts it took.
 */
import type { Message } from "@bufbuild/protobuf";
import type { Codec } from "../codec/codec.js";
import type { Metadata, ReadonlyMetadata } from "../context/metadata.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";

interface ClientRequestBase {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  /** The registered name of the service to call. */
  readonly serviceName: string;
  /** The node to call directly; undefined to select one from the registry. */
  readonly address: string | undefined;
  /** Node ids the selector must skip, e.g. those a retry already tried. */
  readonly exclude: ReadonlySet<string>;
  /** Request metadata; middleware may add to it before calling `next`. */
  readonly metadata: Metadata;
  readonly deadline: Date | undefined;
  readonly signal: AbortSignal;
  readonly codec: Codec;
  readonly onHeader: ((header: ReadonlyMetadata) => void) | undefined;
  readonly onTrailer: ((trailer: ReadonlyMetadata) => void) | undefined;
  /** The call's `CallOptions.retry`: true opts in to retries, false out; absent leaves it to the policies. */
  readonly retry?: boolean;
}

/** A request of a unary or server-streaming method: one message. */
export interface UnaryClientRequest extends ClientRequestBase {
  readonly stream: false;
  readonly message: Message;
}

/** A request of a client-streaming or bidi method: a stream of messages. */
export interface StreamClientRequest extends ClientRequestBase {
  readonly stream: true;
  readonly messages: AsyncIterable<Message>;
}

export type ClientRequest = UnaryClientRequest | StreamClientRequest;

/** The response of a unary or client-streaming method. */
export interface UnaryClientResponse {
  readonly stream: false;
  readonly message: Message;
}

/**
 * The response of a server-streaming or bidi method, once the call has
 * started. The call ends when iteration does; breaking out cancels it.
 */
export interface StreamClientResponse {
  readonly stream: true;
  readonly messages: AsyncIterable<Message>;
}

export type ClientResponse = UnaryClientResponse | StreamClientResponse;

/** One step of a call on the client: the transport, or the middleware around it. */
export type ClientNext = (request: ClientRequest) => Promise<ClientResponse>;

/** Wraps a step. Calls reject with a KledError. */
export type ClientMiddleware = (next: ClientNext) => ClientNext;

/** Applies `middleware` around `inner`, the first element outermost. */
export function chainClientMiddleware(middleware: readonly ClientMiddleware[], inner: ClientNext): ClientNext {
  return middleware.reduceRight<ClientNext>((next, wrap) => wrap(next), inner);
}
