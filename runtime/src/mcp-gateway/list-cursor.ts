/**
 * MCP list pagination (tools/list, resources/list, resources/templates/list,
 * prompts/list; the same on revisions 2025-11-25 and 2026-07-28): a page of
 * at most the configured size and, when more follow, an opaque `nextCursor`
 * the client sends back as `cursor`. A cursor names the list it continues,
 * the version of that list it was cut from (a digest of its content, so that
 * gateways serving the same catalog accept each other's cursors and a
 * restarted gateway accepts those of before) and the offset of the next
 * page. The spec's rule for a cursor that cannot be honoured — malformed,
 * for another list, or from a list that has changed since — is JSON-RPC
 * -32602 Invalid params; the client then lists again from the start.
 */
import { createHash } from "node:crypto";
import { ProtocolError, ProtocolErrorCode } from "../peers/mcp-server.js";

/**
 * Default items per page: 100 keeps a page of tools with JSON Schemas to
 * tens of kilobytes, and the 2.x client's listing helpers (which follow up
 * to 64 pages by default) still collect 6,400 items.
 */
export const DEFAULT_PAGE_SIZE = 100;

/** The paginated lists, by the snapshot's names for them. */
export type ListName = "tools" | "resources" | "resourceTemplates" | "prompts";

/** Each list's MCP method, for error messages. */
const METHODS: Readonly<Record<ListName, string>> = {
  tools: "tools/list",
  resources: "resources/list",
  resourceTemplates: "resources/templates/list",
  prompts: "prompts/list",
};

/** Format tag of the cursor's text, so that a later format can tell this one apart. */
const FORMAT = "k1";

/** base64url characters of a list version: 96 bits of SHA-256, far beyond any chance collision between two versions of one list. */
const VERSION_LENGTH = 16;

const CURSOR_TEXT = new RegExp(`^${FORMAT}:(tools|resources|resourceTemplates|prompts):([A-Za-z0-9_-]{${VERSION_LENGTH}}):([1-9][0-9]{0,8})$`);

/** The version of a list made of `parts` (each item's JSON, in order): equal lists, equal versions. */
export function listVersion(parts: Iterable<string>): string {
  const hash = createHash("sha256");
  // A separator that JSON text never contains unescaped, so ["a","b"] and ["ab"] differ.
  for (const part of parts) hash.update(part).update("\n");
  return hash.digest("base64url").slice(0, VERSION_LENGTH);
}

/** One page of a list and, when more follow, the cursor of the next. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * The page of `items` (a list at `version`) that `cursor` asks for: the
 * first without one. Throws -32602 naming the cursor for a cursor this list
 * cannot continue.
 */
export function pageOf<T>(list: ListName, items: readonly T[], version: string, cursor: string | undefined, pageSize: number): Page<T> {
  const start = cursor === undefined ? 0 : offsetOf(list, items.length, version, cursor);
  const end = start + pageSize;
  return end < items.length ? { items: items.slice(start, end), nextCursor: encode(list, version, end) } : { items: items.slice(start) };
}

function encode(list: ListName, version: string, offset: number): string {
  return Buffer.from(`${FORMAT}:${list}:${version}:${offset}`).toString("base64url");
}

function offsetOf(list: ListName, length: number, version: string, cursor: string): number {
  const match = /^[A-Za-z0-9_-]+$/.test(cursor) ? CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("latin1")) : null;
  if (match === null) throw invalid(cursor, `it is not a cursor this gateway issued; call ${METHODS[list]} without a cursor to start over`);
  const [, issuedFor = "", issuedVersion = "", offsetText = ""] = match;
  if (issuedFor !== list) throw invalid(cursor, `it continues ${METHODS[issuedFor as ListName]}, not ${METHODS[list]}`);
  if (issuedVersion !== version) {
    throw invalid(cursor, `the list changed since it was issued; call ${METHODS[list]} without a cursor to start over`);
  }
  const offset = Number(offsetText);
  // An offset the same version of the list never had: the cursor was made up, not issued.
  if (offset >= length) throw invalid(cursor, `it points past the end of the list (item ${offset} of ${length}); call ${METHODS[list]} without a cursor`);
  return offset;
}

function invalid(cursor: string, reason: string): InstanceType<typeof ProtocolError> {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor ${JSON.stringify(cursor)}: ${reason}`, { cursor });
}
