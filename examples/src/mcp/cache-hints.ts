import { CacheScope } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";

/**
 * What the example service tells clients about caching its lists and reads
 * (`ttl_ms` and `cache_scope`, MCP revision 2026-07-28's CacheableResult).
 */
export interface CacheHint {
  ttlMs: number;
  cacheScope: CacheScope;
}

/**
 * Lists that only a new build changes: the tools, the prompts and the
 * resource templates are fixed in code, the same on every instance and for
 * every caller. Ten minutes (in ms) lets clients skip re-listing on every
 * turn while a deployment still reaches them soon (the MCP gateway also
 * announces list changes when instances come and go). Public: they hold
 * nothing of the caller, so shared caches may serve them to anyone.
 */
export const CODE_DEFINED_LIST: CacheHint = { ttlMs: 10 * 60_000, cacheScope: CacheScope.PUBLIC };

/**
 * Results that tool calls change: resources/list holds the stored keys,
 * kv:// reads their values and kled://stats the call counts. Any call may
 * change them and the service sends no change notifications, so they are
 * stale at once (0 ms). Private: with auth on, only callers the policy
 * admits may see them, so no shared cache may hand them to another caller.
 */
export const TOOL_CHANGED_DATA: CacheHint = { ttlMs: 0, cacheScope: CacheScope.PRIVATE };
