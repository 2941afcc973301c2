/**
 * One `ServerReflectionInfo` stream: each request decoded and answered in
 * order, the stream ended with OK when the client half-closes.
 *
 * Requests are decoded here, not by grpc-js: a request that does not decode
 * ends the call with INVALID_ARGUMENT (grpc-js answers INTERNAL when its
 * deserializer throws, which blames the server for the caller's bytes).
 * Anything else a request asks, known or not, gets a response in the stream.
 *
 * A client that sent requests without reading the responses would have the
 * server hold every response in memory: reading stops while responses wait
 * (write() returned false) and resumes on "drain", so HTTP/2 flow control
 * pushes back on the client instead (4,000 unread requests: 16 answered).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { Code } from "../../errors/code.js";
import { messageOf } from "../../errors/message-of.js";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { answer } from "./answer.js";
import type { DescriptorIndex } from "./descriptor-index.js";

/** Serves `call`, a stream of the reflection service `serviceName` (v1 or v1alpha: same messages). */
export function serveReflectionCall(call: grpc.ServerDuplexStream<Buffer, Buffer>, index: DescriptorIndex, serviceName: string): void {
  // Files sent on this stream, not sent again as dependencies: at most every indexed file name.
  const sent = new Set<string>();
  let failed = false;
  call.on("data", (bytes: Buffer) => {
    if (failed || call.destroyed || call.writableEnded) return;
    let request;
    try {
      request = fromBinary(ServerReflectionRequestSchema, bytes);
    } catch (cause) {
      failed = true;
      call.emit("error", {
        code: Code.InvalidArgument,
        details: `cannot decode the ${serviceName} request from protobuf binary (${bytes.byteLength} bytes): ${messageOf(cause)}`,
      });
      return;
    }
    const response = Buffer.from(toBinary(ServerReflectionResponseSchema, answerSafely(index, request, sent)));
    if (!call.write(response)) {
      call.pause();
      call.once("drain", () => call.resume());
    }
  });
  call.on("end", () => {
    if (!failed && !call.writableEnded) call.end();
  });
  // Cancellation and write errors end the call; grpc-js reports them, nothing is left to clean up.
  call.on("error", () => undefined);
}

/** The answer, or an INTERNAL error response: a listener that throws would take the process down. */
function answerSafely(index: DescriptorIndex, request: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse {
  try {
    return answer(index, request, sent);
  } catch (cause) {
    return create(ServerReflectionResponseSchema, {
      validHost: request.host,
      originalRequest: request,
      messageResponse: { case: "errorResponse", value: { errorCode: Code.Internal, errorMessage: `reflection failed: ${messageOf(cause)}` } },
    });
  }
}
