import type { JsonObject } from "@bufbuild/protobuf";
import { Code, codeName } from "../../errors/code.js";
import { A2A_ERROR_DOMAIN, type A2aErrorKind } from "./a2a-errors.js";
import { ERROR_INFO_TYPE_URL } from "./status-details.js";

/** JSON-RPC 2.0's own error codes (A2A 1.0 section 9.5). */
export const JSON_RPC_CODE = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** JSON-RPC's range for implementation-defined server errors; used for what is neither A2A's nor JSON-RPC's (authentication, an unreachable agent). */
  serverError: -32000,
} as const;

/**
 * A failed A2A call, in the terms both HTTP bindings need: the JSON-RPC
 * error code, the HTTP status and google.rpc.Code name of the HTTP+JSON
 * binding, the message and the details (ProtoJSON Any objects, each with
 * `@type`).
 */
export class BindingError extends Error {
  override readonly name = "BindingError";

  constructor(
    readonly jsonRpcCode: number,
    readonly httpStatus: number,
    /** The google.rpc.Code name, e.g. `NOT_FOUND`: the `status` of an HTTP+JSON error. */
    readonly status: string,
    message: string,
    readonly details: readonly JsonObject[] = [],
  ) {
    super(message);
  }
}

/** An A2A-specific error raised by the gateway itself, with its ErrorInfo. */
export function a2aError(kind: A2aErrorKind, message: string, metadata: Record<string, string> = {}): BindingError {
  return new BindingError(kind.jsonRpcCode, kind.httpStatus, grpcStatusName(kind.grpcCode), message, [
    errorInfoJson(kind.reason, A2A_ERROR_DOMAIN, metadata),
  ]);
}

export function parseError(message: string): BindingError {
  return new BindingError(JSON_RPC_CODE.parseError, 400, "INVALID_ARGUMENT", message);
}

export function invalidRequest(message: string): BindingError {
  return new BindingError(JSON_RPC_CODE.invalidRequest, 400, "INVALID_ARGUMENT", message);
}

export function methodNotFound(message: string): BindingError {
  return new BindingError(JSON_RPC_CODE.methodNotFound, 404, "NOT_FOUND", message);
}

export function invalidParams(message: string): BindingError {
  return new BindingError(JSON_RPC_CODE.invalidParams, 400, "INVALID_ARGUMENT", message);
}

export function internalError(message: string): BindingError {
  return new BindingError(JSON_RPC_CODE.internalError, 500, "INTERNAL", message);
}

/** google.rpc.ErrorInfo in ProtoJSON, as an element of `details` / `data`. */
export function errorInfoJson(reason: string, domain: string, metadata: Readonly<Record<string, string>>): JsonObject {
  return {
    "@type": ERROR_INFO_TYPE_URL,
    reason,
    domain,
    ...(Object.keys(metadata).length === 0 ? {} : { metadata: { ...metadata } }),
  };
}

/** google.rpc.Code's name; gRPC's CANCELLED keeps Google's spelling here, unlike the runtime's codeName. */
export function grpcStatusName(code: Code): string {
  return code === Code.Canceled ? "CANCELLED" : codeName(code);
}
