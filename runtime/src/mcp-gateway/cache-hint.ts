import { CacheScope } from "../gen/kled/mcp/v1/mcp_pb.js";

/**
 * MCP's CacheableResult fields (revision 2026-07-28, SEP-2549), required on
 * the results of tools/list, prompts/list, resources/list,
 * resources/templates/list and resources/read.
 */
export interface CacheHint {
  /** Milliseconds the client may treat the result as fresh; 0: stale at once. */
  readonly ttlMs: number;
  /** "public": any cache may share it across callers; "private": only within one authorization context. */
  readonly cacheScope: "public" | "private";
}

/**
 * What the gateway reports for a result whose backend set no hint (a
 * backend built before kled.mcp.v1 had the fields, a proto tool, an empty
 * mesh): 0 ms and private, the most conservative values and the ones the
 * MCP SDK itself fills in when a server gives none, so a 2026-07-28 client
 * keeps re-asking as it did before hints existed.
 */
export const DEFAULT_CACHE_HINT: CacheHint = { ttlMs: 0, cacheScope: "private" };

/** The hint of one kled.mcp.v1 response; each field the backend left unset is {@link DEFAULT_CACHE_HINT}'s. */
export function cacheHintOf(response: { readonly ttlMs?: number | undefined; readonly cacheScope: CacheScope }): CacheHint {
  return {
    ttlMs: response.ttlMs ?? DEFAULT_CACHE_HINT.ttlMs,
    cacheScope: scopeName(response.cacheScope) ?? DEFAULT_CACHE_HINT.cacheScope,
  };
}

/**
 * The hint of a result merged from several (backends, pages): fresh only as
 * long as its stalest part (the smallest ttl), and private when any part is
 * private, since a shared cache would otherwise hand that part to other
 * callers. No parts: {@link DEFAULT_CACHE_HINT}.
 */
export function mergeCacheHints(hints: Iterable<CacheHint>): CacheHint {
  let merged: CacheHint | undefined;
  for (const hint of hints) {
    merged =
      merged === undefined
        ? hint
        : {
            ttlMs: Math.min(merged.ttlMs, hint.ttlMs),
            cacheScope: merged.cacheScope === "private" || hint.cacheScope === "private" ? "private" : "public",
          };
  }
  return merged ?? DEFAULT_CACHE_HINT;
}

function scopeName(scope: CacheScope): CacheHint["cacheScope"] | undefined {
  switch (scope) {
    case CacheScope.PUBLIC:
      return "public";
    case CacheScope.PRIVATE:
      return "private";
    default:
      // UNSPECIFIED, or a value newer than this gateway: the default decides.
      return undefined;
  }
}
