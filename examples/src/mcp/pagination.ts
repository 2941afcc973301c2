import { decodeCursor, encodeCursor, invalidCursor } from "../shared/cursor.js";

/**
 * Items per page of every MCP list (tools, resources, templates, prompts).
 * Small on purpose: the example has about a dozen tools, and a small page
 * makes clients exercise pagination instead of assuming one page.
 */
export const PAGE_SIZE = 5;

/** One page of a list and the cursor of the next one ("" on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

/**
 * Cuts `items` into the page `cursor` points at. `list` names the list so a
 * cursor of one list is refused by another. The cursor holds an offset: every
 * instance of the service lists the same items in the same order, so a cursor
 * from one instance is valid on any other (the client's load balancer may
 * send each page to a different one).
 */
export function paginate<T>(list: string, items: readonly T[], cursor: string): Page<T> {
  const offset = cursor === "" ? 0 : readOffset(list, cursor);
  const end = offset + PAGE_SIZE;
  return {
    items: items.slice(offset, end),
    nextCursor: end < items.length ? encodeCursor(list, { offset: end }) : "",
  };
}

function readOffset(list: string, cursor: string): number {
  const offset = decodeCursor(list, cursor)["offset"];
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset <= 0) {
    throw invalidCursor("cursor", cursor);
  }
  return offset;
}
