import type { Message } from "@bufbuild/protobuf";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { messageOf } from "../errors/message-of.js";
import type { ClientRequest } from "./call.js";

/**
 * Encodes a request message with the call's codec, for every client
 * transport (gRPC, NATS). A message that does not encode is the caller's
 * invalid argument.
 */
export function encodeRequest(request: ClientRequest, message: Message): Uint8Array {
  try {
    return request.codec.encode(request.method.input, message);
  } catch (error) {
    throw new KledError(
      Code.InvalidArgument,
      `cannot encode the request of ${request.method.path} as ${request.codec.name}: ${messageOf(error)}`,
      {},
      { cause: error },
    );
  }
}

/** Decodes a response message. One that does not decode is the server's fault, not an invalid argument of ours. */
export function decodeResponse(request: ClientRequest, bytes: Uint8Array): Message {
  try {
    return request.codec.decode(request.method.output, bytes);
  } catch (error) {
    throw new KledError(Code.Internal, `response of ${request.method.path}: ${messageOf(error)}`, {}, { cause: error });
  }
}
