/**
 * One served call, whatever carries it: the part of a call that is the same
 * over gRPC and over NATS. A transport adapter (grpc-handler.ts, the NATS
 * server transport) builds the call's context, reads its request and sends
 * its outcome; this runs the middleware chain and the handler inside the
 * context, maps failures to a status, and keeps the in-flight count.
 * Internal.
 */
import type { Message } from "@bufbuild/protobuf";
import type { Codec } from "../codec/codec.js";
import { CODEC_METADATA_KEY, DEFAULT_CODEC_NAME, type Codecs } from "../codec/codecs.js";
import { runWithContext } from "../context/current-context.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { Logger } from "../logging/logger.js";
import type { CallContext } from "./call-context.js";
import type { InFlightCalls } from "./in-flight.js";
import { LazyUnaryRequest } from "./lazy-request.js";
import type { ServerNext, ServerRequest, ServerResponse } from "./middleware.js";
import { callStatus, type CallStatus } from "./status.js";

/** What the handler of one method needs from its server, on any transport. */
export interface MethodBinding {
  readonly service: ServiceDefinition;
  readonly method: MethodDefinition;
  /** The middleware chain ending in the handler. */
  readonly next: ServerNext;
  readonly codecs: Codecs;
  readonly logger: Logger;
  readonly calls: InFlightCalls;
  /** Bytes of response messages a streaming call may hold for a client that is not reading (see response-sender.ts). */
  readonly maxBufferedResponseBytes: number;
}

/**
 * How a call's outcome goes back on the wire. `ok` returns a promise only
 * when sending takes time (streams): every promise of a call costs the
 * AsyncLocalStorage hooks on Node 20, so a unary answer is sent without one.
 */
export interface Responder {
  ok(response: ServerResponse, codec: Codec): Promise<void> | undefined;
  fail(status: CallStatus): void;
}

/**
 * Serves one call whose context the transport built; nothing awaits it, and
 * it settles every outcome itself. `codecName` is the request's
 * `kled-codec` metadata; `done` runs once the call is over.
 */
export function serveCall(
  binding: MethodBinding,
  context: CallContext,
  codecName: string | undefined,
  readRequest: (codec: Codec) => ServerRequest,
  responder: Responder,
  done: () => void,
): void {
  binding.calls.add(context);
  // The whole call, response streaming included, runs in the context, so
  // that client calls made by the handler inherit it.
  runWithContext(context, runCall, binding, context, codecName, readRequest, responder, done);
}

/**
 * serveCall's body, as promise callbacks rather than an async function: the
 * suspended async frame cost a unary call about a kilobyte of garbage.
 */
function runCall(
  binding: MethodBinding,
  context: CallContext,
  codecName: string | undefined,
  readRequest: (codec: Codec) => ServerRequest,
  responder: Responder,
  done: () => void,
): void {
  const end = (): void => {
    done();
    context.end();
    binding.calls.delete(context);
  };
  const fail = (error: unknown): void => {
    try {
      responder.fail(callStatus(afterAbort(context, error), context));
    } catch (failure) {
      // Nothing awaits serveCall(); a throw here would be an unhandled rejection.
      context.logger.error("cannot send the error status", { error: failure });
    }
    end();
  };
  let codec: Codec;
  let response: Promise<ServerResponse>;
  try {
    codec = codecOf(binding.codecs, codecName, context);
    const next = binding.next(readRequest(codec));
    // Middleware in plain JavaScript may answer with a value or a foreign thenable.
    response = next instanceof Promise ? next : Promise.resolve(next);
  } catch (error) {
    fail(error);
    return;
  }
  response.then((result) => {
    let sending: Promise<void> | undefined;
    try {
      sending = responder.ok(result, codec);
    } catch (error) {
      fail(error);
      return;
    }
    if (sending === undefined) end();
    else sending.then(end, fail);
  }, fail);
}

/**
 * How close to the deadline, in milliseconds, a cancellation counts as the
 * deadline passing. The server's deadline is the client's plus the time the
 * request took to reach the server, so the reset a client sends at its own
 * deadline arrives before the server's by about that much: a few ms on an
 * idle machine, tens of ms on a loaded one (a fresh-clone CI run reported
 * such a call as CANCELED with 10 ms of slack).
 */
const DEADLINE_SLACK_MS = 100;

/** Why the transport cancelled a call: the deadline passed, or the client gave up. */
export function cancelReason(context: CallContext): KledError {
  const deadline = context.deadline;
  return deadline !== undefined && deadline.getTime() - DEADLINE_SLACK_MS <= Date.now()
    ? new KledError(Code.DeadlineExceeded, `deadline of ${context.method.path} exceeded`)
    : new KledError(Code.Canceled, `client canceled ${context.method.path}`);
}

/**
 * Once a call is aborted, the errors that follow (a stream closed early, an
 * aborted wait) are consequences; report the abort reason instead, so they
 * are not logged as handler bugs.
 */
export function afterAbort(context: CallContext, error: unknown): unknown {
  if (context.abortReason === undefined || error instanceof KledError) return error;
  return context.abortReason;
}

function codecOf(codecs: Codecs, codecName: string | undefined, context: CallContext): Codec {
  const name = codecName ?? DEFAULT_CODEC_NAME;
  const codec = codecs.byName(name);
  if (codec === undefined) {
    throw new KledError(
      Code.InvalidArgument,
      `codec "${name}" in request metadata "${CODEC_METADATA_KEY}" is unknown; use one of ${codecs.names.join(", ")}`,
    );
  }
  if (name !== DEFAULT_CODEC_NAME) context.setHeader(CODEC_METADATA_KEY, codec.name);
  return codec;
}

// One class, one shape for every unary request.
// Decoded when first read (lazy-request.ts): authentication runs before it.
export function unaryRequest(binding: MethodBinding, codec: Codec, bytes: Uint8Array, context: CallContext): ServerRequest {
  return new LazyUnaryRequest(binding.method, binding.service, context, codec, bytes);
}

/** The request of a streaming method, decoding the messages the transport yields. */
export function streamRequest(
  binding: MethodBinding,
  codec: Codec,
  messages: AsyncIterable<Uint8Array>,
  context: CallContext,
): ServerRequest {
  return {
    stream: true,
    messages: decodeStream(binding, codec, messages, context),
    method: binding.method,
    service: binding.service,
    context,
  };
}

async function* decodeStream(
  binding: MethodBinding,
  codec: Codec,
  messages: AsyncIterable<Uint8Array>,
  context: CallContext,
): AsyncGenerator<Message> {
  try {
    for await (const bytes of messages) yield codec.decode(binding.method.input, bytes);
    // Cancellation is racy: a client that cancels a client-streaming call may
    // half-close before it resets the stream, so the request stream may end
    // normally and the cancellation arrive after the handler answered.
    if (context.abortReason !== undefined) throw context.abortReason;
  } catch (error) {
    throw afterAbort(context, error);
  }
}
