/**
 * A shortcut past the SDK's era check for the common request. Every POST
 * is routed by `isLegacyRequest`, which classifies the body (zod parses of
 * its JSON-RPC shape), and the 2026-07-28 handler then classifies it again:
 * two full classifications per tools/call. The SDK documents that a
 * request carrying the per-request envelope claim (the protocol-version key
 * in `params._meta`) is never legacy — the modern handler serves it or
 * answers its errors — so such a request can go straight there. The one
 * exception the SDK makes, an `initialize` (a 2025-11-25 handshake unless
 * its envelope is valid), and anything that is not a single request or
 * notification (batches, posted responses) still take the full check.
 */

/** The envelope's protocol-version key (revision 2026-07-28, `_meta` of every request). */
const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";

/** True when `body` (a POST's parsed JSON) certainly belongs to revision 2026-07-28's handler; false means "ask the SDK". */
export function carriesModernClaim(body: unknown): boolean {
  if (!isObject(body) || "result" in body || "error" in body) return false;
  const { method, params } = body;
  if (typeof method !== "string" || method === "initialize" || !isObject(params)) return false;
  const meta = params["_meta"];
  return isObject(meta) && typeof meta[PROTOCOL_VERSION_META_KEY] === "string";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
