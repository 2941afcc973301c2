import { Code } from "../../errors/code.js";

/**
 * The A2A-specific errors of A2A 1.0 (sections 3.3.2 and 5.4): the reason an
 * agent puts in google.rpc.ErrorInfo, the gRPC status it answers with, and
 * how the JSON-RPC and HTTP+JSON bindings carry it.
 */
export interface A2aErrorKind {
  /** The specification's name, e.g. `TaskNotFoundError` (what `@a2a-js/sdk` names its classes). */
  readonly name: string;
  /** google.rpc.ErrorInfo.reason: the name in UPPER_SNAKE_CASE without "Error". */
  readonly reason: string;
  readonly jsonRpcCode: number;
  readonly grpcCode: Code;
  readonly httpStatus: number;
}

function kind(name: string, reason: string, jsonRpcCode: number, grpcCode: Code, httpStatus: number): A2aErrorKind {
  return { name, reason, jsonRpcCode, grpcCode, httpStatus };
}

/** Every A2A-specific error, by its specification name. */
export const A2A_ERRORS = {
  TaskNotFoundError: kind("TaskNotFoundError", "TASK_NOT_FOUND", -32001, Code.NotFound, 404),
  TaskNotCancelableError: kind("TaskNotCancelableError", "TASK_NOT_CANCELABLE", -32002, Code.FailedPrecondition, 400),
  PushNotificationNotSupportedError: kind("PushNotificationNotSupportedError", "PUSH_NOTIFICATION_NOT_SUPPORTED", -32003, Code.FailedPrecondition, 400),
  UnsupportedOperationError: kind("UnsupportedOperationError", "UNSUPPORTED_OPERATION", -32004, Code.FailedPrecondition, 400),
  ContentTypeNotSupportedError: kind("ContentTypeNotSupportedError", "CONTENT_TYPE_NOT_SUPPORTED", -32005, Code.InvalidArgument, 400),
  InvalidAgentResponseError: kind("InvalidAgentResponseError", "INVALID_AGENT_RESPONSE", -32006, Code.Internal, 500),
  ExtendedAgentCardNotConfiguredError: kind("ExtendedAgentCardNotConfiguredError", "EXTENDED_AGENT_CARD_NOT_CONFIGURED", -32007, Code.FailedPrecondition, 400),
  ExtensionSupportRequiredError: kind("ExtensionSupportRequiredError", "EXTENSION_SUPPORT_REQUIRED", -32008, Code.FailedPrecondition, 400),
  VersionNotSupportedError: kind("VersionNotSupportedError", "VERSION_NOT_SUPPORTED", -32009, Code.FailedPrecondition, 400),
} as const satisfies Record<string, A2aErrorKind>;

export type A2aErrorName = keyof typeof A2A_ERRORS;

/** google.rpc.ErrorInfo.domain of every A2A error. */
export const A2A_ERROR_DOMAIN = "a2a-protocol.org";

const byReason = new Map<string, A2aErrorKind>(Object.values(A2A_ERRORS).map((entry) => [entry.reason, entry]));

/** The A2A error with this ErrorInfo reason, if it is one. */
export function a2aErrorByReason(reason: string): A2aErrorKind | undefined {
  return byReason.get(reason);
}
