import { decodeErrorInfo, decodeStatus, GRPC_STATUS_DETAILS_BIN } from "@a2a-js/sdk/errors/grpc";
import { Code } from "@kled/runtime";
import { A2A_ERRORS, a2aGrpcError } from "@kled/runtime/a2a";
import { describe, expect, it } from "vitest";

describe("a2aGrpcError", () => {
  it("answers with section 5.4's status and an ErrorInfo the official SDK decodes", () => {
    const error = a2aGrpcError("TaskNotCancelableError", "task t-1 has ended", { taskId: "t-1" });
    expect(error.code).toBe(Code.FailedPrecondition);
    const bytes = error.binaryMetadata[GRPC_STATUS_DETAILS_BIN];
    expect(bytes).toBeDefined();
    const status = decodeStatus(Buffer.from(bytes as Uint8Array));
    expect(status).toMatchObject({ code: Code.FailedPrecondition, message: "task t-1 has ended" });
    expect(status.details.map((detail) => detail.typeUrl)).toEqual(["type.googleapis.com/google.rpc.ErrorInfo"]);
    expect(decodeErrorInfo(status.details[0]!.value)).toEqual({ reason: "TASK_NOT_CANCELABLE", domain: "a2a-protocol.org", metadata: { taskId: "t-1" } });
  });

  it("covers the specification's nine A2A errors with its JSON-RPC codes", () => {
    expect(Object.values(A2A_ERRORS).map((kind) => [kind.name, kind.jsonRpcCode])).toEqual([
      ["TaskNotFoundError", -32001],
      ["TaskNotCancelableError", -32002],
      ["PushNotificationNotSupportedError", -32003],
      ["UnsupportedOperationError", -32004],
      ["ContentTypeNotSupportedError", -32005],
      ["InvalidAgentResponseError", -32006],
      ["ExtendedAgentCardNotConfiguredError", -32007],
      ["ExtensionSupportRequiredError", -32008],
      ["VersionNotSupportedError", -32009],
    ]);
  });
});
