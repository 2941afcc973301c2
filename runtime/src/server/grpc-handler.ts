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
import { CODEC_METADATA_KEY } from "../codec/codecs.js";
import { toGrpcMetadata } from "../context/grpc-metadata.js";
import { GrpcMetadataView } from "../context/grpc-metadata-view.js";
import { REQUEST_ID_KEY } from "../context/propagation.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { CallContext } from "./call-context.js";
import { isCallCancelled, peerOf } from "./grpc-call-state.js";
import { ResponseSender } from "./response-sender.js";
import { sendResponseMessages } from "./response-stream.js";
import type { ServerRequest, ServerResponse } from "./middleware.js";
import { cancelReason, serveCall, streamRequest, unaryRequest, type MethodBinding, type Responder } from "./serve-call.js";
import { grpcStatus, type CallStatus } from "./status.js";

export type { MethodBinding } from "./serve-call.js";

type AnyCall =
  | grpc.ServerUnaryCall<Buffer, Buffer>
  | grpc.ServerReadableStream<Buffer, Buffer>
  | grpc.ServerWritableStream<Buffer, Buffer>
  | grpc.ServerDuplexStream<Buffer, Buffer>;

/** The grpc-js handler for `binding.method`, by its kind. */
export function grpcHandler(binding: MethodBinding): grpc.UntypedHandleCall {
  switch (binding.method.kind) {
    case "unary":
    case "client_streaming":
      return (call: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        new UnaryAnswer(binding, call, callback).serve();
    case "server_streaming":
    case "bidi_streaming":
      return (call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>) => new StreamAnswer(binding, call).serve();
  }
}

/**
 * One grpc-js call served through serve-call.ts: it reads the request and
 * is the call's {@link Responder}. One object per call rather than a
 * closure per step: a unary call allocates about a dozen objects fewer.
 */
abstract class ServedGrpcCall implements Responder {
  readonly context: CallContext;

  constructor(
    readonly binding: MethodBinding,
    readonly call: AnyCall,
  ) {
    this.context = newContext(binding, call);
  }

  /** Serves the call; nothing awaits it. */
  serve(): void {
    const { binding, call, context } = this;
    // grpc-js reports every call as cancelled when its stream closes, even
    // after a response: check before building the reason (a KledError, stack
    // trace included) that abort() would ignore.
    (call as EventEmitter).on("cancelled", () => {
      if (!context.ended) context.abort(cancelReason(context));
    });
    // A call may be over before its handler is called (see grpc-call-state.ts):
    // then no event comes. The middleware still runs (call logging reports it),
    // but nothing lasting: the handler step and the data middleware check.
    if (isCallCancelled(call)) context.abort(cancelReason(context));
    serveCall(binding, context, textHeader(call.metadata, CODEC_METADATA_KEY), (codec) => this.readRequest(codec), this, nothing);
  }

  readRequest(codec: Codec): ServerRequest {
    const { binding, call, context } = this;
    const kind = binding.method.kind;
    if (kind === "unary" || kind === "server_streaming") {
      return unaryRequest(binding, codec, (call as grpc.ServerUnaryCall<Buffer, Buffer>).request, context);
    }
    // destroyOnReturn false: the default destroys the whole duplex when the
    // request side ends, and with it the response side of a bidi call.
    const messages = (call as Readable).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
    return streamRequest(binding, codec, messages, context);
  }

  abstract ok(response: ServerResponse, codec: Codec): Promise<void> | undefined;
  abstract fail(status: CallStatus): void;
}

/** A unary or client-streaming call: one response message through grpc-js's callback. */
class UnaryAnswer extends ServedGrpcCall {
  constructor(
    binding: MethodBinding,
    call: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer>,
    readonly callback: grpc.sendUnaryData<Buffer>,
  ) {
    super(binding, call);
  }

  ok(response: ServerResponse, codec: Codec): undefined {
    const { binding, call, context } = this;
    if (response.stream) {
      throw new KledError(Code.Internal, `middleware of ${binding.method.path} answered a unary method with a stream`);
    }
    // An answer after the call ended early reached no one: report why it ended.
    const stopped = context.stopReason();
    if (stopped !== undefined) throw stopped;
    const bytes = toBuffer(codec.encode(binding.method.output, response.message));
    sendHeader(call, context);
    this.callback(null, bytes, trailerOf(context));
    return undefined;
  }

  fail(status: CallStatus): void {
    sendHeader(this.call, this.context);
    this.callback(grpcStatus(status));
  }
}

/** A server-streaming or bidi call: response messages written with backpressure, then the status. */
class StreamAnswer extends ServedGrpcCall {
  declare readonly call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>;

  async ok(response: ServerResponse, codec: Codec): Promise<void> {
    const { binding, call, context } = this;
    if (!response.stream) {
      throw new KledError(Code.Internal, `middleware of ${binding.method.path} answered a stream method with one message`);
    }
    // The sender's promise is what pauses the handler when its client does not read.
    const sender = new ResponseSender(call, binding.maxBufferedResponseBytes, () => context.signal);
    const send = (message: Message): Promise<void> | undefined => {
      sendHeader(call, context);
      return sender.write(toBuffer(codec.encode(binding.method.output, message)));
    };
    await sendResponseMessages(response.messages, send, context);
    sendHeader(call, context);
    call.end(trailerOf(context));
  }

  fail(status: CallStatus): void {
    sendHeader(this.call, this.context);
    // grpc-js's documented way to end a stream with a status.
    this.call.emit("error", grpcStatus(status));
  }
}

/** What serveCall runs when a gRPC call is over: nothing (the context knows it ended). */
function nothing(): void {}

function newContext(binding: MethodBinding, call: AnyCall): CallContext {
  const deadline = call.getDeadline();
  return new CallContext({
    method: binding.method,
    service: binding.service,
    metadata: new GrpcMetadataView(call.metadata),
    deadline: deadline === Infinity ? undefined : new Date(deadline),
    // Read when first asked (call logging, auth): formatting it costs every call otherwise.
    peer: () => peerOf(call),
    // grpc-js reports the certificate only when the handshake verified it;
    // read while the call is open (the auth middleware does, first thing).
    peerCertificate: () => call.getAuthContext().sslPeerCertificate,
    requestId: textHeader(call.metadata, REQUEST_ID_KEY),
    parentLogger: binding.logger,
  });
}

/** The first value of a text header, read from grpc-js's metadata without converting all of it. */
function textHeader(metadata: grpc.Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === "string" ? value : undefined;
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
