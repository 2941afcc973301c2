import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  StreamResponseSchema,
  TaskPushNotificationConfigSchema,
  TaskState,
  type StreamResponse,
  type TaskPushNotificationConfig,
} from "../../../runtime/src/gen/lf/a2a/v1/a2a_pb.js";

/** A status update of `taskId` as a push notification body. */
export function statusUpdate(taskId: string, state: TaskState = TaskState.COMPLETED): StreamResponse {
  return create(StreamResponseSchema, {
    payload: {
      case: "statusUpdate",
      value: {
        taskId,
        contextId: "ctx-1",
        status: { state, timestamp: timestampFromDate(new Date("2026-03-15T18:30:00Z")) },
      },
    },
  });
}

/** A push config of `taskId` pointing at `url`. */
export function pushConfig(taskId: string, url: string, fields: Partial<Omit<TaskPushNotificationConfig, "$typeName">> = {}): TaskPushNotificationConfig {
  return create(TaskPushNotificationConfigSchema, { id: `cfg-${taskId}`, taskId, url, ...fields });
}
