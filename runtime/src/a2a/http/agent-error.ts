import type { JsonObject } from "@bufbuild/protobuf";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import type { MethodDefinition } from "../../definition/service-definition.js";
import { A2A_ERROR_DOMAIN, A2A_ERRORS, a2aErrorByReason, type A2aErrorKind } from "./a2a-errors.js";
import { BindingError, errorInfoJson, grpcStatusName, JSON_RPC_CODE } from "./binding-error.js";
import { errorInfosOf, STATUS_DETAILS_KEY } from "./status-details.js";

/**
 * The binding error for how a call to an agent failed. An agent names its
 * A2A error in a google.rpc.ErrorInfo (reason, domain "a2a-protocol.org") in
 * `grpc-status-details-bin` (A2A 1.0 section 10.6); that reason decides. An
 * agent that sent only a status gets the A2A error section 5.4 maps its code
 * from, for the method called (FAILED_PRECONDITION on CancelTask is
 * TaskNotCancelableError, on a push-config method
 * PushNotificationNotSupportedError…). Other codes become JSON-RPC's and
 * HTTP's nearest equivalents. The agent's message is kept: it was written
 * for the client.
 */
export function fromAgentError(error: unknown, method: MethodDefinition): BindingError {
  if (error instanceof BindingError) return error;
  if (!(error instanceof KledError)) return new BindingError(JSON_RPC_CODE.internalError, 500, "INTERNAL", `calling ${method.name} failed: ${messageOf(error)}`);
  const bytes = error.binaryMetadata[STATUS_DETAILS_KEY];
  const infos = bytes === undefined ? [] : errorInfosOf(bytes);
  const details: JsonObject[] = infos.map((info) => errorInfoJson(info.reason, info.domain, info.metadata));
  const named = infos.find((info) => info.domain === A2A_ERROR_DOMAIN && a2aErrorByReason(info.reason) !== undefined);
  const kind = named === undefined ? kindFromCode(error.code, method) : a2aErrorByReason(named.reason);
  if (kind !== undefined) {
    if (named === undefined) details.push(errorInfoJson(kind.reason, A2A_ERROR_DOMAIN, {}));
    return new BindingError(kind.jsonRpcCode, kind.httpStatus, grpcStatusName(kind.grpcCode), error.rawMessage, details);
  }
  return new BindingError(jsonRpcCodeOf(error.code), httpStatusOf(error.code), grpcStatusName(error.code), error.rawMessage, details);
}

/** Section 5.4 read backwards, per method where one code stands for several errors. */
function kindFromCode(code: Code, method: MethodDefinition): A2aErrorKind | undefined {
  switch (code) {
    case Code.NotFound:
      return A2A_ERRORS.TaskNotFoundError;
    case Code.Unimplemented:
      return A2A_ERRORS.UnsupportedOperationError;
    case Code.FailedPrecondition:
      switch (method.name) {
        case "CancelTask":
          return A2A_ERRORS.TaskNotCancelableError;
        case "CreateTaskPushNotificationConfig":
        case "GetTaskPushNotificationConfig":
        case "ListTaskPushNotificationConfigs":
        case "DeleteTaskPushNotificationConfig":
          return A2A_ERRORS.PushNotificationNotSupportedError;
        case "GetExtendedAgentCard":
          return A2A_ERRORS.ExtendedAgentCardNotConfiguredError;
        default:
          return A2A_ERRORS.UnsupportedOperationError;
      }
    default:
      return undefined;
  }
}

function jsonRpcCodeOf(code: Code): number {
  switch (code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return JSON_RPC_CODE.invalidParams;
    case Code.Internal:
    case Code.Unknown:
    case Code.DataLoss:
      return JSON_RPC_CODE.internalError;
    default:
      return JSON_RPC_CODE.serverError;
  }
}

/** google.rpc.Code's HTTP mapping (the one googleapis documents in code.proto). */
export function httpStatusOf(code: Code): number {
  switch (code) {
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
      return 400;
    case Code.Unauthenticated:
      return 401;
    case Code.PermissionDenied:
      return 403;
    case Code.NotFound:
      return 404;
    case Code.AlreadyExists:
    case Code.Aborted:
      return 409;
    case Code.ResourceExhausted:
      return 429;
    case Code.Canceled:
      return 499;
    case Code.Unimplemented:
      return 501;
    case Code.Unavailable:
      return 503;
    case Code.DeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}
