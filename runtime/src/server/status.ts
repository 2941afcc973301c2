import type { Metadata as GrpcMetadata, StatusObject } from "@grpc/grpc-js";
import { toGrpcMetadata } from "../context/grpc-metadata.js";
import { Metadata, type ReadonlyMetadata } from "../context/metadata.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { CallContext } from "./call-context.js";

/** The status a failed call answers with, on any transport. */
export interface CallStatus {
  readonly code: Code;
  readonly details: string;
  readonly trailer: ReadonlyMetadata;
}

/** The status a failed call answers with; grpc-js's shape. */
export interface ErrorStatus extends StatusObject {
  metadata: GrpcMetadata;
}

/**
 * The status for an error thrown by a handler or middleware. A KledError
 * answers with its code, message and metadata (as trailers, after the ones
 * the handler set). Anything else is a bug: it is logged with the request id
 * and answers INTERNAL without its message, which may hold secrets.
 */
export function callStatus(error: unknown, context: CallContext): CallStatus {
  const trailer = new Metadata(context.trailer);
  if (error instanceof KledError && error.code !== Code.Ok) {
    for (const [key, value] of [...Object.entries(error.metadata), ...Object.entries(error.binaryMetadata)]) {
      try {
        trailer.set(key, value);
      } catch (reason) {
        // The status still goes out; the handler author learns why a key is missing.
        context.logger.warn("dropped error metadata", { key, reason });
      }
    }
    return { code: error.code, details: error.rawMessage, trailer };
  }
  context.logger.error("handler failed", { error });
  return {
    code: Code.Internal,
    details: `internal error (request id ${context.requestId}); the server log has the details`,
    trailer,
  };
}

/** {@link callStatus} in grpc-js's shape. */
export function errorStatus(error: unknown, context: CallContext): ErrorStatus {
  return grpcStatus(callStatus(error, context));
}

/** A {@link CallStatus} in grpc-js's shape. */
export function grpcStatus(status: CallStatus): ErrorStatus {
  return { code: status.code, details: status.details, metadata: toGrpcMetadata(status.trailer) };
}
