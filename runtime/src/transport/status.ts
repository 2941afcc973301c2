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
 * reported, with the text trailers as metadata; CANCELED naming the reason
 * when the caller's signal cancelled it.
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
    return new KledError(error.code as Code, error.details, textMetadata(error.metadata), { cause: error });
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

/** Text entries of grpc-js metadata, first value per key; binary keys are left out. */
function textMetadata(metadata: GrpcMetadata | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata?.getMap() ?? {})) {
    if (typeof value === "string") record[key] = value;
  }
  return record;
}
