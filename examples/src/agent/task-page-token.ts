import { Code, KledError } from "@kled/runtime";
import { decodeCursor, encodeCursor, invalidCursor } from "../shared/cursor.js";
import type { TaskQuery } from "./task-store.js";

/**
 * ListTasks page tokens, shared by the task stores. Tasks are listed by
 * status time, newest first, ties broken by creation ordinal; a token holds
 * the position of the last task of its page, bound to the filters it was
 * issued for.
 */

/** Where a page ends: the last task's status time (ms) and creation ordinal. */
export interface PagePosition {
  statusTime: number;
  ordinal: number;
}

/** The filters a token is bound to, as a string: reusing a token with other filters would skip or repeat tasks. */
export function filterKey(query: TaskQuery): string {
  return JSON.stringify([query.contextId, query.state, query.statusAfterMs ?? null]);
}

/** The token for the page after `last`, under `filter`. */
export function writePageToken(last: PagePosition, filter: string): string {
  return encodeCursor("tasks", { time: last.statusTime, before: last.ordinal, filter });
}

/** The position a token continues after; INVALID_ARGUMENT for a bad token or other filters. */
export function readPageToken(token: string, filter: string): PagePosition {
  const payload = decodeCursor("tasks", token, "page_token");
  const { time, before } = payload;
  if (payload["filter"] !== filter) {
    throw new KledError(
      Code.InvalidArgument,
      "page_token was issued for other filters; send the same context_id, status and status_timestamp_after as the first request",
    );
  }
  if (typeof time !== "number" || typeof before !== "number" || !Number.isSafeInteger(before)) {
    throw invalidCursor("page_token", token);
  }
  return { statusTime: time, ordinal: before };
}

/** True when `position` comes after `cursor` in the listing order (status time desc, ordinal desc). */
export function isAfter(position: PagePosition, cursor: PagePosition): boolean {
  return position.statusTime < cursor.statusTime || (position.statusTime === cursor.statusTime && position.ordinal < cursor.ordinal);
}
