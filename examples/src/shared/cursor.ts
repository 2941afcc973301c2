import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";

/**
 * Opaque page cursors (MCP `cursor`, AIP-158 `page_token`).
 *
 * A cursor is base64url of a small JSON object tagged with the list it pages,
 * so a cursor of one list is refused by another. Clients must treat it as
 * opaque; encoding it (rather than handing out a raw offset) keeps us free
 * to change what is inside without breaking them.
 */

/** Makes the opaque cursor for `list` carrying `position`. */
export function encodeCursor(list: string, position: JsonObject): string {
  return Buffer.from(JSON.stringify({ list, ...position }), "utf8").toString("base64url");
}

/**
 * Reads a cursor made by {@link encodeCursor} for `list`; anything else
 * (garbage, another list's cursor) answers INVALID_ARGUMENT with the value.
 */
export function decodeCursor(list: string, cursor: string, field = "cursor"): JsonObject {
  let payload: JsonValue;
  try {
    // Buffer.from(…, "base64url") skips invalid characters instead of
    // failing, so a round trip is the only strict check.
    const bytes = Buffer.from(cursor, "base64url");
    if (bytes.toString("base64url") !== cursor) throw new Error("not base64url");
    payload = JSON.parse(bytes.toString("utf8")) as JsonValue;
  } catch {
    throw invalidCursor(field, cursor);
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload) || payload["list"] !== list) {
    throw invalidCursor(field, cursor);
  }
  return payload;
}

/** The error for a cursor that this server did not hand out. */
export function invalidCursor(field: string, cursor: string): KledError {
  return new KledError(
    Code.InvalidArgument,
    `${field} ${JSON.stringify(truncate(cursor))} is not a cursor this server handed out; pass the next cursor of a previous page, or an empty one for the first page`,
  );
}

/** Cursors in messages are cut so a huge bogus value does not flood logs. */
function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
