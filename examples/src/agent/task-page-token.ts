import { Code, KledError } from "@kled/runtime";
import { decodeCursor, encodeCursor, invalidCursor } from "../shared/cursor.js";

/**
 * ListTasks page tokens, shared by the task stores: the creation ordinal of
 * the last task of the page, bound to the filters it was issued for.
 */

/** The token for the page after the task with `ordinal`, under `filter`. */
export function writePageToken(ordinal: number, filter: string): string {
  return encodeCursor("tasks", { before: ordinal, filter });
}

/** The ordinal a token continues before; INVALID_ARGUMENT for a bad token or other filters. */
export function readPageToken(token: string, filter: string): number {
  const payload = decodeCursor("tasks", token, "page_token");
  const before = payload["before"];
  if (payload["filter"] !== filter) {
    throw new KledError(
      Code.InvalidArgument,
      "page_token was issued for other filters; send the same context_id and states as the first request",
    );
  }
  if (typeof before !== "number" || !Number.isSafeInteger(before)) throw invalidCursor("page_token", token);
  return before;
}
