/**
 * CORS for browser-based MCP clients (the Inspector, web hosts): a page on
 * an allowed origin (see {@link originAllowed}) first sends a preflight
 * `OPTIONS`, since MCP's POSTs carry JSON and its own headers; the answer
 * names the origin, the methods and headers it may use and how long the
 * browser may remember that. Actual responses name the origin again and
 * expose the headers a client must read (a session id, a 401's challenge).
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";

/** What the MCP endpoint answers: POST messages, GET streams, DELETE ends a 2025-11-25 session. */
export const MCP_METHODS: readonly string[] = ["GET", "POST", "DELETE", "OPTIONS"];

/**
 * Request headers a page may send (lower case, as browsers list them in
 * Access-Control-Request-Headers): the body's type, auth, the transport's
 * own (both revisions), Last-Event-ID to resume a stream, and 2026-07-28's
 * Mcp-Method, Mcp-Name and `Mcp-Param-*` (SEP-2243).
 */
export const MCP_REQUEST_HEADERS: readonly string[] = [
  "accept",
  "authorization",
  "content-type",
  "last-event-id",
  "mcp-method",
  "mcp-name",
  "mcp-protocol-version",
  "mcp-session-id",
];

/** Every header with this prefix is allowed: their names come from each tool's x-mcp-header parameters, and CORS cannot list a prefix. */
const PARAM_HEADER_PREFIX = "mcp-param-";

/** Response headers a page may read besides the CORS-safelisted ones: the session a 2025-11-25 initialize opened, a 401's challenge, a 429's wait. */
export const EXPOSED_HEADERS = "Mcp-Session-Id, WWW-Authenticate, Retry-After";

/**
 * Seconds a browser may reuse a preflight's answer: two hours, the most
 * Chromium honours (Firefox allows a day), so a page preflights its MCP
 * requests about once per session rather than once per request.
 */
export const DEFAULT_PREFLIGHT_MAX_AGE_SECONDS = 7_200;

/** What a preflight comes to: the headers of a 204, or why it is refused. */
export type Preflight = { readonly ok: true; readonly headers: Record<string, string> } | { readonly ok: false; readonly reason: string };

/** True for a CORS preflight: an OPTIONS from a browser asking about the request it is about to send. */
export function isPreflight(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && headers.origin !== undefined && headers["access-control-request-method"] !== undefined;
}

/**
 * The answer to a preflight from `origin` (already allowed) for a route
 * serving `methods`: the requested headers are echoed when every one is
 * allowed (a list, not "*", since "*" does not cover Authorization).
 */
export function preflight(origin: string, headers: IncomingHttpHeaders, methods: readonly string[], allowOrigin: string = origin): Preflight {
  const method = String(headers["access-control-request-method"]).trim().toUpperCase();
  if (!methods.includes(method)) return { ok: false, reason: `method ${JSON.stringify(method)} is not served here; use one of ${methods.join(", ")}` };
  const requested = (headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  const refused = requested.filter((name) => !MCP_REQUEST_HEADERS.includes(name) && !(name.startsWith(PARAM_HEADER_PREFIX) && name.length > PARAM_HEADER_PREFIX.length));
  if (refused.length > 0) {
    return { ok: false, reason: `request header${refused.length > 1 ? "s" : ""} ${refused.map((name) => JSON.stringify(name)).join(", ")} not allowed; allowed are ${MCP_REQUEST_HEADERS.join(", ")} and ${PARAM_HEADER_PREFIX}*` };
  }
  return {
    ok: true,
    headers: {
      "access-control-allow-origin": allowOrigin,
      "access-control-allow-methods": methods.join(", "),
      ...(requested.length === 0 ? {} : { "access-control-allow-headers": requested.join(", ") }),
      "access-control-max-age": String(DEFAULT_PREFLIGHT_MAX_AGE_SECONDS),
      vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    },
  };
}

/**
 * Marks the response to an actual request from an allowed `origin`, before
 * anything writes it: whatever answers (the SDK, a 401, a 429) then carries
 * the origin and the exposed headers.
 */
export function allowActualRequest(response: ServerResponse, origin: string): void {
  response.setHeader("access-control-allow-origin", origin);
  response.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  response.setHeader("vary", "Origin");
}
