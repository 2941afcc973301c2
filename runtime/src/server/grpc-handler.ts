/**
 * The bridge between grpc-js and a Kled call: builds the grpc-js handler of
 * one method, which decodes the request with the call's codec, runs the
 * middleware chain and the handler inside the call's context, and writes the
 * response or the error status back. Internal.
 */
import type { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import type { Message } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import type { Codec } from "../codec/codec.js";
import { CODEC_METADATA_KEY, DEFAULT_CODEC_NAME, type Codecs } from "../codec/codecs.js";
import { runWithContext } from "../context/current-context.js";
import { fromGrpcMetadata, toGrpcMetadata } from "../context/grpc-metadata.js";
import { newRequestId, REQUEST_ID_KEY } from "../context/propagation.js";
import type { MethodDefinition, ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { Logger } from "../logging/logger.js";
import { CallContext } from "./call-context.js";
import { isCallCancelled, peerOf } from "./grpc-call-state.js";
import { lazyUnaryRequest } from "./lazy-request.js";
import { ResponseSender } from "./response-sender.js";
import { ResponseStream } from "./response-stream.js";
import type { InFlightCalls } from "./in-flight.js";
import type { ServerNext, ServerRequest, ServerResponse } from "./middleware.js";
import { errorStatus, type ErrorStatus } from "./status.js";

/** What the handler of one method needs from its server. */
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

type AnyCall =
  | grpc.ServerUnaryCall<Buffer, Buffer>
  | grpc.ServerReadableStream<Buffer, Buffer>
  | grpc.ServerWritableStream<Buffer, Buffer>
  | grpc.ServerDuplexStream<Buffer, Buffer>;

/**
 * How a call's outcome goes back on the wire. `ok` returns a promise only
 * when sending takes time (streams): every promise of a call costs the
 * AsyncLocalStorage hooks on Node 20, so a unary answer is sent without one.
 */
interface Responder {
  ok(response: ServerResponse, codec: Codec): Promise<void> | undefined;
  fail(status: ErrorStatus): void;
}

/** The grpc-js handler for `binding.method`, by its kind. */
export function grpcHandler(binding: MethodBinding): grpc.UntypedHandleCall {
  switch (binding.method.kind) {
    case "unary":
      return (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        void serve(binding, call, (codec, context) => one(binding, codec, call.request, context), (context) =>
          unaryResponder(binding, call, context, callback),
        );
    case "client_streaming":
      return (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        void serve(binding, call, (codec, context) => many(binding, codec, call, context), (context) =>
          unaryResponder(binding, call, context, callback),
        );
    case "server_streaming":
      return (call: grpc.ServerWritableStream<Buffer, Buffer>) =>
        void serve(binding, call, (codec, context) => one(binding, codec, call.request, context), (context) =>
          streamResponder(binding, call, context),
        );
    case "bidi_streaming":
      return (call: grpc.ServerDuplexStream<Buffer, Buffer>) =>
        void serve(binding, call, (codec, context) => many(binding, codec, call, context), (context) =>
          streamResponder(binding, call, context),
        );
  }
}

/** Serves one call; nothing awaits it, and it settles every outcome itself. */
function serve(
  binding: MethodBinding,
  call: AnyCall,
  readRequest: (codec: Codec, context: CallContext) => ServerRequest,
  responderFor: (context: CallContext) => Responder,
): void {
  const context = newContext(binding, call);
  const responder = responderFor(context);
  binding.calls.add(context);
  // grpc-js reports every call as cancelled when its stream closes, even
  // after a response: check before building the reason (a KledError, stack
  // trace included) that abort() would ignore.
  let over = false;
  (call as EventEmitter).on("cancelled", () => {
    if (!over) context.abort(cancelReason(context));
  });
  // A call may be over before its handler is called (see grpc-call-state.ts):
  // then no event comes. The middleware still runs (call logging reports it),
  // but nothing lasting: the handler step and the data middleware check.
  if (isCallCancelled(call)) context.abort(cancelReason(context));
  // The whole call, response streaming included, runs in the context, so
  // that client calls made by the handler inherit it.
  void runWithContext(context, async () => {
    try {
      const codec = codecOf(binding.codecs, call, context);
      const request = readRequest(codec, context);
      const sending = responder.ok(await binding.next(request), codec);
      if (sending !== undefined) await sending;
    } catch (error) {
      try {
        responder.fail(errorStatus(afterAbort(context, error), context));
      } catch (failure) {
        // Nothing awaits serve(); a throw here would be an unhandled rejection.
        context.logger.error("cannot send the error status", { error: failure });
      }
    } finally {
      over = true;
      context.end();
      binding.calls.delete(context);
    }
  });
}

function newContext(binding: MethodBinding, call: AnyCall): CallContext {
  const deadline = call.getDeadline();
  return new CallContext({
    method: binding.method,
    service: binding.service,
    metadata: () => fromGrpcMetadata(call.metadata),
    deadline: deadline === Infinity ? undefined : new Date(deadline),
    peer: peerOf(call),
    // grpc-js reports the certificate only when the handshake verified it;
    // read while the call is open (the auth middleware does, first thing).
    peerCertificate: () => call.getAuthContext().sslPeerCertificate,
    requestId: textHeader(call.metadata, REQUEST_ID_KEY) ?? newRequestId(),
    parentLogger: binding.logger,
  });
}

/** The first value of a text header, read from grpc-js's metadata without converting all of it. */
function textHeader(metadata: grpc.Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === "string" ? value : undefined;
}

/**
 * How close to the deadline, in milliseconds, a cancellation counts as the
 * deadline passing: timers may fire a millisecond or so early.
 */
const DEADLINE_SLACK_MS = 10;

/** Why the transport cancelled a call: the deadline passed, or the client gave up. */
function cancelReason(context: CallContext): KledError {
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
function afterAbort(context: CallContext, error: unknown): unknown {
  if (context.abortReason === undefined || error instanceof KledError) return error;
  return context.abortReason;
}

function codecOf(codecs: Codecs, call: AnyCall, context: CallContext): Codec {
  const name = textHeader(call.metadata, CODEC_METADATA_KEY) ?? DEFAULT_CODEC_NAME;
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

// Each request is one literal of one shape: no spreading of a body into it.
// Decoded when first read (lazy-request.ts): authentication runs before it.
function one(binding: MethodBinding, codec: Codec, bytes: Buffer, context: CallContext): ServerRequest {
  return lazyUnaryRequest({ method: binding.method, service: binding.service, context }, () =>
    codec.decode(binding.method.input, bytes),
  );
}

function many(binding: MethodBinding, codec: Codec, call: Readable, context: CallContext): ServerRequest {
  const messages = decodeStream(binding, codec, call, context);
  return { stream: true, messages, method: binding.method, service: binding.service, context };
}

async function* decodeStream(
  binding: MethodBinding,
  codec: Codec,
  call: Readable,
  context: CallContext,
): AsyncGenerator<Message> {
  try {
    // destroyOnReturn false: the default destroys the whole duplex when the
    // request side ends, and with it the response side of a bidi call.
    for await (const bytes of call.iterator({ destroyOnReturn: false })) {
      yield codec.decode(binding.method.input, bytes as Buffer);
    }
    // Cancellation is racy: a Node client that cancels a client-streaming
    // call half-closes before it resets the stream, so the request stream may
    // end normally and the cancellation arrive after the handler answered.
    if (context.abortReason !== undefined) throw context.abortReason;
  } catch (error) {
    throw afterAbort(context, error);
  }
}

function unaryResponder(
  binding: MethodBinding,
  call: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer>,
  context: CallContext,
  callback: grpc.sendUnaryData<Buffer>,
): Responder {
  return {
    ok(response, codec) {
      if (response.stream) {
        throw new KledError(Code.Internal, `middleware of ${binding.method.path} answered a unary method with a stream`);
      }
      // An answer after the call ended early reached no one: report why it ended.
      if (context.abortReason !== undefined) throw context.abortReason;
      const bytes = toBuffer(codec.encode(binding.method.output, response.message));
      sendHeader(call, context);
      callback(null, bytes, trailerOf(context));
      return undefined;
    },
    fail(status) {
      sendHeader(call, context);
      callback(status);
    },
  };
}

function streamResponder(
  binding: MethodBinding,
  call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>,
  context: CallContext,
): Responder {
  return {
    async ok(response, codec) {
      if (!response.stream) {
        throw new KledError(Code.Internal, `middleware of ${binding.method.path} answered a stream method with one message`);
      }
      // The sender's promise is what pauses the handler when its client does not read.
      const sender = new ResponseSender(call, binding.maxBufferedResponseBytes, () => context.signal);
      const send = (message: Message): Promise<void> | undefined => {
        sendHeader(call, context);
        return sender.write(toBuffer(codec.encode(binding.method.output, message)));
      };
      const stopped = () => context.abortReason !== undefined;
      if (response.messages instanceof ResponseStream) {
        await response.messages.pump(send, stopped);
      } else {
        for await (const message of response.messages) {
          if (stopped()) break;
          await send(message);
        }
      }
      const ended = context.stopReason();
      if (ended !== undefined) throw ended;
      sendHeader(call, context);
      call.end(trailerOf(context));
    },
    fail(status) {
      sendHeader(call, context);
      // grpc-js's documented way to end a stream with a status.
      call.emit("error", status);
    },
  };
}

/**
 * Sends the response headers once, before the first message or the status.
 * Without headers of ours there is nothing to send: grpc-js sends its own
 * with the first message or the status.
 */
function sendHeader(call: AnyCall, context: CallContext): void {
  const header = context.takeHeader();
  if (header !== undefined) call.sendMetadata(toGrpcMetadata(header));
}

/** The trailers for the status; none of ours, none for grpc-js to convert. */
function trailerOf(context: CallContext): grpc.Metadata | undefined {
  const trailer = context.trailer;
  return trailer === undefined ? undefined : toGrpcMetadata(trailer);
}

/** A Buffer view of the bytes, without copying them. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
