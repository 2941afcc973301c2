/**
 * One call on a grpc-js connection, for each RPC kind: encodes requests with
 * the call's codec, passes bytes through grpc-js untouched, decodes
 * responses, and maps deadline, cancellation, headers, trailers and errors.
 * Internal: the innermost step of the client.
 */
import { once, type EventEmitter } from "node:events";
import type { Message } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { CODEC_METADATA_KEY, DEFAULT_CODEC_NAME } from "../codec/codecs.js";
import { fromGrpcMetadata, toGrpcMetadata } from "../context/grpc-metadata.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { ClientRequest, ClientResponse, StreamClientRequest, UnaryClientRequest } from "./middleware.js";
import { canAbort } from "../transport/abort.js";
import { decodeResponse, encodeRequest } from "../transport/client-codec.js";
import { callError } from "../transport/status.js";

type Call = grpc.ClientUnaryCall | grpc.ClientReadableStream<Buffer> | grpc.ClientWritableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>;

/** The abort reason of a call's `ended` signal; nothing reads it. */
const CALL_ENDED = "call ended";

/**
 * Starts a grpc-js call with stack traces off. grpc-js captures one for
 * every call it starts (`new Error()` in each make…Request), only to append
 * it to a failed call's error, which Kled replaces with a KledError of its
 * own (callError). On Node 24 a capture costs about 6 µs, a tenth of a
 * unary call's client CPU; with the limit at 0, 0.4 µs. The limit is back
 * before anything else runs.
 */
function withoutCallerStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Runs `request` on `connection`. */
export function transport(connection: grpc.Client, request: ClientRequest): Promise<ClientResponse> {
  const { method } = request;
  if (request.signal.aborted) return Promise.reject(callError(undefined, request));
  if (request.stream !== (method.kind === "client_streaming" || method.kind === "bidi_streaming")) {
    return Promise.reject(
      new KledError(Code.Internal, `client middleware passed ${method.path} (${method.kind}) the wrong request shape`),
    );
  }
  switch (method.kind) {
    case "unary":
      return unary(connection, request as UnaryClientRequest);
    case "client_streaming":
      return clientStream(connection, request as StreamClientRequest);
    case "server_streaming":
      return Promise.resolve(serverStream(connection, request as UnaryClientRequest));
    case "bidi_streaming":
      return Promise.resolve(bidiStream(connection, request as StreamClientRequest));
  }
}

function unary(connection: grpc.Client, request: UnaryClientRequest): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const bytes = encode(request, request.message);
    const call = withoutCallerStack(() =>
      connection.makeUnaryRequest(
        request.method.path,
        passThrough,
        passThrough,
        bytes,
        wireMetadata(request),
        callOptions(request),
        (error, answer) => {
          if (error !== null || answer === undefined) reject(callError(error, request));
          else settle<ClientResponse>(resolve, reject, () => ({ stream: false, message: decodeResponse(request, answer) }));
        },
      )
    );
    // No "ended" signal: nothing feeds or drains a unary call, and making
    // one and aborting it costs several microseconds per call.
    observe(call, request, undefined);
  });
}

function clientStream(connection: grpc.Client, request: StreamClientRequest): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    let requestError: unknown;
    const call = withoutCallerStack(() =>
      connection.makeClientStreamRequest(
        request.method.path,
        passThrough,
        passThrough,
        wireMetadata(request),
        callOptions(request),
        (error, bytes) => {
          if (requestError !== undefined) reject(KledError.from(requestError));
          else if (error !== null || bytes === undefined) reject(callError(error, request));
          else settle<ClientResponse>(resolve, reject, () => ({ stream: false, message: decodeResponse(request, bytes) }));
        },
      )
    );
    const ended = observe(call, request, new AbortController());
    void sendAll(call, request, ended, (error) => (requestError = error));
  });
}

function serverStream(connection: grpc.Client, request: UnaryClientRequest): ClientResponse {
  const bytes = encode(request, request.message);
  const call = withoutCallerStack(() =>
    connection.makeServerStreamRequest(
      request.method.path,
      passThrough,
      passThrough,
      bytes,
      wireMetadata(request),
      callOptions(request),
    )
  );
  const ended = observe(call, request, new AbortController());
  return { stream: true, messages: receiveAll(call, request, ended, () => undefined) };
}

function bidiStream(connection: grpc.Client, request: StreamClientRequest): ClientResponse {
  const call = withoutCallerStack(() =>
    connection.makeBidiStreamRequest(
      request.method.path,
      passThrough,
      passThrough,
      wireMetadata(request),
      callOptions(request),
    )
  );
  const ended = observe(call, request, new AbortController());
  let requestError: unknown;
  void sendAll(call, request, ended, (error) => (requestError = error));
  return { stream: true, messages: receiveAll(call, request, ended, () => requestError) };
}

/**
 * Wires headers, trailers and cancellation of `call`; aborts `ended`, if
 * given, when the call is over, for the loops that feed and drain it, and
 * returns its signal.
 */
function observe(call: Call, request: ClientRequest, ended: AbortController): AbortSignal;
function observe(call: Call, request: ClientRequest, ended: undefined): undefined;
function observe(call: Call, request: ClientRequest, ended: AbortController | undefined): AbortSignal | undefined {
  const cancel = () => call.cancel();
  const listening = canAbort(request.signal);
  if (listening) request.signal.addEventListener("abort", cancel, { once: true });
  const { onHeader, onTrailer } = request;
  // Headers and trailers are converted only for a caller that wants them.
  if (onHeader !== undefined) call.on("metadata", (header: grpc.Metadata) => onHeader(fromGrpcMetadata(header)));
  if (listening || ended !== undefined || onTrailer !== undefined) {
    call.on("status", (status: grpc.StatusObject) => {
      if (listening) request.signal.removeEventListener("abort", cancel);
      // A reason of our own: abort() without one builds a DOMException, stack
      // trace included.
      ended?.abort(CALL_ENDED);
      onTrailer?.(fromGrpcMetadata(status.metadata));
    });
  }
  // Errors reach the caller through the callback or the iterator; this
  // listener keeps one emitted after the consumer left from crashing the process.
  (call as EventEmitter).on("error", () => undefined);
  return ended?.signal;
}

/** Writes every request message, then half-closes; a failing request stream cancels the call. */
async function sendAll(
  call: grpc.ClientWritableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>,
  request: StreamClientRequest,
  ended: AbortSignal,
  onError: (error: unknown) => void,
): Promise<void> {
  try {
    for await (const message of request.messages) {
      if (ended.aborted) return;
      if (!call.write(encode(request, message))) await once(call as EventEmitter, "drain", { signal: ended });
    }
    if (!ended.aborted) call.end();
  } catch (error) {
    if (ended.aborted) return;
    onError(error);
    call.cancel();
  }
}

/** Yields decoded responses; leaving early (break, return, throw) cancels the call. */
async function* receiveAll(
  call: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>,
  request: ClientRequest,
  ended: AbortSignal,
  requestError: () => unknown,
): AsyncGenerator<Message> {
  try {
    // destroyOnReturn false: ending the call is cancel()'s job, in finally.
    for await (const bytes of call.iterator({ destroyOnReturn: false })) yield decodeResponse(request, bytes as Buffer);
  } catch (error) {
    const cause = requestError();
    throw cause === undefined ? callError(error, request) : KledError.from(cause);
  } finally {
    if (!ended.aborted) call.cancel();
  }
}

function settle<T>(resolve: (value: T) => void, reject: (error: unknown) => void, produce: () => T): void {
  try {
    resolve(produce());
  } catch (error) {
    reject(error);
  }
}

function encode(request: ClientRequest, message: Message): Buffer {
  const bytes = encodeRequest(request, message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function wireMetadata(request: ClientRequest): grpc.Metadata {
  const metadata = toGrpcMetadata(request.metadata);
  if (request.codec.name !== DEFAULT_CODEC_NAME) metadata.set(CODEC_METADATA_KEY, request.codec.name);
  return metadata;
}

function callOptions(request: ClientRequest): grpc.CallOptions {
  return request.deadline === undefined ? {} : { deadline: request.deadline };
}

function passThrough(bytes: Buffer): Buffer {
  return bytes;
}
