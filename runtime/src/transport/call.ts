/**
 * The shape of one call as it travels below the client: what middleware,
 * the resilience policies and the transport all pass along. It lives here,
 * under both, so that resilience never needs to import the client.
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
