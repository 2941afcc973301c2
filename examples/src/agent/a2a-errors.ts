import { a2aGrpcError } from "@kled/runtime/a2a";
import type { KledError } from "@kled/runtime";

/**
 * The agent answers A2A errors with the runtime's a2aGrpcError: the gRPC
 * code of A2A 1.0 section 5.4 and a google.rpc.ErrorInfo (reason, domain
 * "a2a-protocol.org") that @a2a-js/sdk and the gateway's bindings read.
 */
export { a2aGrpcError as a2aError } from "@kled/runtime/a2a";

/** TaskNotFoundError for `taskId`. */
export function taskNotFound(taskId: string): KledError {
  return a2aGrpcError("TaskNotFoundError", `task ${JSON.stringify(taskId)} does not exist`, { taskId });
}
