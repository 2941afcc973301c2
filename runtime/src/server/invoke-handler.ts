import { create, isMessage, type DescMessage, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { stopReasonOf } from "./call-context.js";
import type { ServerNext, ServerRequest, ServerResponse } from "./middleware.js";
import { ResponseStream } from "./response-stream.js";

type HandlerMethod = (input: unknown, context: unknown) => unknown;

/**
 * Checks that `handler` has a method for every RPC of `definition` and
 * returns them by local name, bound to the handler so classes keep `this`.
 */
export function handlerMethods(definition: ServiceDefinition, handler: object): Map<string, HandlerMethod> {
  const methods = new Map<string, HandlerMethod>();
  const missing: string[] = [];
  for (const method of Object.values(definition.methods)) {
    const fn: unknown = (handler as Record<string, unknown>)[method.localName];
    if (typeof fn === "function") methods.set(method.localName, (fn as HandlerMethod).bind(handler));
    else missing.push(method.localName);
  }
  if (missing.length > 0) {
    throw new Error(
      `register ${definition.typeName}: the handler has no method ${missing.map((m) => `"${m}"`).join(", ")}; implement every RPC of the service`,
    );
  }
  return methods;
}

/**
 * The innermost step of a call: runs the handler and normalizes what it
 * returns. Not an async function: a handler that answers at once (most do)
 * gets one promise for its response rather than three, and on Node 20 each
 * promise of a call pays the AsyncLocalStorage hooks.
 */
export function handlerStep(method: MethodDefinition, fn: HandlerMethod): ServerNext {
  const single = (value: unknown): ServerResponse => ({ stream: false, message: toMessage(method, method.output, value) });
  return (request: ServerRequest) => {
    // A call over before its handler starts (it waited for a pooled
    // connection, a rate limit, or grpc-js started it late) never starts it.
    const stopped = stopReasonOf(request.context);
    if (stopped !== undefined) return Promise.reject(stopped);
    const input = request.stream ? request.messages : request.message;
    try {
      switch (method.kind) {
        case "unary":
        case "client_streaming": {
          const output = fn(input, request.context);
          return isThenable(output) ? Promise.resolve(output).then(single) : Promise.resolve(single(output));
        }
        case "server_streaming":
        case "bidi_streaming":
          return Promise.resolve({ stream: true, messages: toMessages(method, fn(input, request.context)) });
      }
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** The handler's stream; it checks `output` when iteration starts, as an async generator would. */
function toMessages(method: MethodDefinition, output: unknown): ResponseStream {
  return new ResponseStream(
    () => {
      if (!isIterable(output)) {
        const got = output === null ? "null" : typeof output;
        throw new KledError(
          Code.Internal,
          `handler of ${method.path} returned ${got}, not an AsyncIterable or Iterable; make it an async generator, a generator or an array`,
        );
      }
      return output;
    },
    (value) => toMessage(method, method.output, value),
  );
}

/** Handlers may return init shapes; the wire needs messages of the right type. */
function toMessage(method: MethodDefinition, schema: DescMessage, value: unknown): Message {
  if (isMessage(value, schema)) return value;
  if (isMessage(value) || typeof value !== "object" || value === null) {
    const got = isMessage(value) ? value.$typeName : value === null ? "null" : typeof value;
    throw new KledError(Code.Internal, `handler of ${method.path} returned ${got}; return a ${schema.typeName}`);
  }
  return create(schema, value as MessageInitShape<DescMessage>);
}

/** An async or a sync iterable object; a string is iterable too, but never a stream of messages. */
function isIterable(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  return typeof value === "object" && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value);
}
