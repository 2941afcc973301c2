import type { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { messageOf } from "../errors/message-of.js";
import type { ClientRequest } from "./call.js";

/** What grpc-js rejects calls with. */
interface GrpcStatusError {
  code: number;
  details: string;
  metadata?: GrpcMetadata;
}

/**
 * The KledError for how a call failed: the status the server (or grpc-js)
 * reported, with the text trailers as `metadata` and the `-bin` ones as
 * `binaryMetadata`; CANCELED naming the reason when the caller's signal
 * cancelled it.
 */
export function callError(error: unknown, request: ClientRequest): KledError {
  if (request.signal.aborted) {
    return new KledError(
      Code.Canceled,
      `call to ${request.method.path} canceled: ${messageOf(request.signal.reason)}`,
      {},
      { cause: request.signal.reason },
    );
  }
  if (error instanceof KledError) return error;
  if (isStatusError(error)) {
    const { text, binary } = trailers(error.metadata);
    return new KledError(error.code as Code, error.details, text, { cause: error, binaryMetadata: binary });
  }
  return KledError.from(error, Code.Unknown);
}

function isStatusError(error: unknown): error is GrpcStatusError {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as GrpcStatusError).code === "number" &&
    typeof (error as GrpcStatusError).details === "string"
  );
}

/** The text and the binary entries of grpc-js metadata, first value per key. */
function trailers(metadata: GrpcMetadata | undefined): { text: Record<string, string>; binary: Record<string, Uint8Array> } {
  const text: Record<string, string> = {};
  const binary: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(metadata?.getMap() ?? {})) {
    // grpc-js hands out Buffers; callers get plain bytes, viewed, not copied.
    if (typeof value === "string") text[key] = value;
    else binary[key] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return { text, binary };
}
