import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Code, KledError } from "@kled/runtime";

/**
 * The A2A errors (specification §3.3.2) as gRPC statuses (§5.4, §10.6):
 * the mapped status code, and a `google.rpc.Status` in the
 * `grpc-status-details-bin` trailer whose details hold one
 * `google.rpc.ErrorInfo` with the error's reason and the domain
 * "a2a-protocol.org". A2A clients (e.g. @a2a-js/sdk) choose their error
 * class by that reason; the HTTP and JSON-RPC bindings map it onward.
 *
 * The two google.rpc messages are written by hand with protobuf's wire
 * format: three fields each, not worth a googleapis dependency.
 */

/** The domain every A2A ErrorInfo carries. */
export const A2A_ERROR_DOMAIN = "a2a-protocol.org";

/** The trailer gRPC carries a google.rpc.Status in. */
export const STATUS_DETAILS_TRAILER = "grpc-status-details-bin";

const ERROR_INFO_TYPE_URL = "type.googleapis.com/google.rpc.ErrorInfo";

/** Each A2A error's ErrorInfo reason, with the gRPC code the specification maps it to. */
export const A2A_ERRORS = {
  TaskNotFoundError: { reason: "TASK_NOT_FOUND", code: Code.NotFound },
  TaskNotCancelableError: { reason: "TASK_NOT_CANCELABLE", code: Code.FailedPrecondition },
  PushNotificationNotSupportedError: { reason: "PUSH_NOTIFICATION_NOT_SUPPORTED", code: Code.FailedPrecondition },
  UnsupportedOperationError: { reason: "UNSUPPORTED_OPERATION", code: Code.FailedPrecondition },
  ContentTypeNotSupportedError: { reason: "CONTENT_TYPE_NOT_SUPPORTED", code: Code.InvalidArgument },
  InvalidAgentResponseError: { reason: "INVALID_AGENT_RESPONSE", code: Code.Internal },
  ExtendedAgentCardNotConfiguredError: { reason: "EXTENDED_AGENT_CARD_NOT_CONFIGURED", code: Code.FailedPrecondition },
  ExtensionSupportRequiredError: { reason: "EXTENSION_SUPPORT_REQUIRED", code: Code.FailedPrecondition },
  VersionNotSupportedError: { reason: "VERSION_NOT_SUPPORTED", code: Code.FailedPrecondition },
} as const satisfies Record<string, { reason: string; code: Code }>;

/** The name of an A2A error, e.g. "TaskNotFoundError". */
export type A2AErrorName = keyof typeof A2A_ERRORS;

/** An A2A error as a KledError: its gRPC code, `message`, and the Status/ErrorInfo trailer. */
export function a2aError(name: A2AErrorName, message: string, metadata: Readonly<Record<string, string>> = {}): KledError {
  const { reason, code } = A2A_ERRORS[name];
  const status = encodeStatus(code, message, encodeErrorInfo(reason, metadata));
  return new KledError(code, message, {}, { binaryMetadata: { [STATUS_DETAILS_TRAILER]: status } });
}

/** TaskNotFoundError for `taskId`. */
export function taskNotFound(taskId: string): KledError {
  return a2aError("TaskNotFoundError", `task ${JSON.stringify(taskId)} does not exist`, { taskId });
}

/** The ErrorInfo of an A2A error (from a2aError, or received by a client), or undefined for any other error. */
export function a2aErrorInfo(error: unknown): { reason: string; domain: string; metadata: Record<string, string> } | undefined {
  if (!(error instanceof KledError)) return undefined;
  const status = error.binaryMetadata[STATUS_DETAILS_TRAILER];
  if (status === undefined) return undefined;
  for (const detail of decodeStatusDetails(status)) {
    if (detail.typeUrl !== ERROR_INFO_TYPE_URL) continue;
    const info = decodeErrorInfo(detail.value);
    if (info.domain === A2A_ERROR_DOMAIN) return info;
  }
  return undefined;
}

// google.rpc.Status: 1 code (int32), 2 message (string), 3 details (repeated Any: 1 type_url, 2 value).
function encodeStatus(code: Code, message: string, errorInfo: Uint8Array): Uint8Array {
  const writer = new BinaryWriter().uint32(8).int32(code).uint32(18).string(message);
  writer.uint32(26).fork().uint32(10).string(ERROR_INFO_TYPE_URL).uint32(18).bytes(errorInfo).join();
  return writer.finish();
}

// google.rpc.ErrorInfo: 1 reason, 2 domain, 3 metadata (map<string, string>: entries of 1 key, 2 value).
function encodeErrorInfo(reason: string, metadata: Readonly<Record<string, string>>): Uint8Array {
  const writer = new BinaryWriter().uint32(10).string(reason).uint32(18).string(A2A_ERROR_DOMAIN);
  for (const [key, value] of Object.entries(metadata)) {
    writer.uint32(26).fork().uint32(10).string(key).uint32(18).string(value).join();
  }
  return writer.finish();
}

function decodeStatusDetails(bytes: Uint8Array): Array<{ typeUrl: string; value: Uint8Array }> {
  const details: Array<{ typeUrl: string; value: Uint8Array }> = [];
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== 3) {
      reader.skip(wireType);
      continue;
    }
    const any = new BinaryReader(reader.bytes());
    const detail: { typeUrl: string; value: Uint8Array } = { typeUrl: "", value: new Uint8Array() };
    while (any.pos < any.len) {
      const [anyField, anyWireType] = any.tag();
      if (anyField === 1) detail.typeUrl = any.string();
      else if (anyField === 2) detail.value = any.bytes();
      else any.skip(anyWireType);
    }
    details.push(detail);
  }
  return details;
}

function decodeErrorInfo(bytes: Uint8Array): { reason: string; domain: string; metadata: Record<string, string> } {
  const info = { reason: "", domain: "", metadata: {} as Record<string, string> };
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) info.reason = reader.string();
    else if (field === 2) info.domain = reader.string();
    else if (field === 3) {
      const entry = new BinaryReader(reader.bytes());
      let key = "";
      let value = "";
      while (entry.pos < entry.len) {
        const [entryField, entryWireType] = entry.tag();
        if (entryField === 1) key = entry.string();
        else if (entryField === 2) value = entry.string();
        else entry.skip(entryWireType);
      }
      info.metadata[key] = value;
    } else reader.skip(wireType);
  }
  return info;
}
