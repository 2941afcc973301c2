import { decodeCursor, encodeCursor, invalidCursor } from "../shared/cursor.js";

/**
 * Page tokens of ListTaskPushNotificationConfigs, shared by the push config
 * stores: the ordinal of the page's last config, bound to its task.
 */

export function writePushConfigToken(taskId: string, lastOrdinal: number): string {
  return encodeCursor("push-configs", { taskId, after: lastOrdinal });
}

/** The ordinal a token continues after; INVALID_ARGUMENT for a bad token or another task's. */
export function readPushConfigToken(taskId: string, token: string): number {
  const payload = decodeCursor("push-configs", token, "page_token");
  const after = payload["after"];
  if (payload["taskId"] !== taskId || typeof after !== "number" || !Number.isSafeInteger(after)) {
    throw invalidCursor("page_token", token);
  }
  return after;
}
