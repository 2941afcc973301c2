/**
 * Server middleware: plain functions that wrap the next step of a call, in
 * the style of connect-es interceptors and go-micro's `WrapHandler`.
 *
 * Order: the first middleware in a list is the outermost. With
 * `middleware: [a, b]` a call runs a → b → handler, and the response passes
 * back through b, then a. Server-wide middleware runs outside the
 * per-service middleware of `register(…, { middleware })`.
 */
import type { Message } from "@bufbuild/protobuf";
import type { ServerContext } from "../context/handler-context.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";

interface ServerRequestBase {
  readonly method: MethodDefinition;
  readonly service: ServiceDefinition;
  readonly context: ServerContext;
}

/** A request of a unary or server-streaming method: one message. */
export interface UnaryServerRequest extends ServerRequestBase {
  readonly stream: false;
  readonly message: Message;
}

/** A request of a client-streaming or bidi method: a stream of messages. */
export interface StreamServerRequest extends ServerRequestBase {
  readonly stream: true;
  readonly messages: AsyncIterable<Message>;
}

export type ServerRequest = UnaryServerRequest | StreamServerRequest;

/** The response of a unary or client-streaming method. */
export interface UnaryServerResponse {
  readonly stream: false;
  readonly message: Message;
}

/**
 * The response of a server-streaming or bidi method. Middleware that wants
 * to see the end of the call wraps `messages`: the call ends when iteration
 * does.
 */
export interface StreamServerResponse {
  readonly stream: true;
  readonly messages: AsyncIterable<Message>;
}

export type ServerResponse = UnaryServerResponse | StreamServerResponse;

/** One step of a call on the server: the handler, or the middleware around it. */
export type ServerNext = (request: ServerRequest) => Promise<ServerResponse>;

/** Wraps a step. Throw a KledError to answer with its status. */
export type ServerMiddleware = (next: ServerNext) => ServerNext;

/** Applies `middleware` around `inner`, the first element outermost. */
export function chainServerMiddleware(middleware: readonly ServerMiddleware[], inner: ServerNext): ServerNext {
  return middleware.reduceRight<ServerNext>((next, wrap) => wrap(next), inner);
}
