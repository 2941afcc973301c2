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
import type { ClientRequest, ClientResponse } from "../transport/call.js";

export type {
  ClientRequest,
  ClientResponse,
  StreamClientRequest,
  StreamClientResponse,
  UnaryClientRequest,
  UnaryClientResponse,
} from "../transport/call.js";

/** One step of a call on the client: the transport, or the middleware around it. */
export type ClientNext = (request: ClientRequest) => Promise<ClientResponse>;

/** Wraps a step. Calls reject with a KledError. */
export type ClientMiddleware = (next: ClientNext) => ClientNext;

/** Applies `middleware` around `inner`, the first element outermost. */
export function chainClientMiddleware(middleware: readonly ClientMiddleware[], inner: ClientNext): ClientNext {
  return middleware.reduceRight<ClientNext>((next, wrap) => wrap(next), inner);
}
