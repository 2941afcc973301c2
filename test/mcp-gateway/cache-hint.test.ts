import { CacheScope } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { describe, expect, it } from "vitest";
import { cacheHintOf, DEFAULT_CACHE_HINT, mergeCacheHints } from "../../runtime/src/mcp-gateway/cache-hint.js";

describe("cacheHintOf", () => {
  it("reads a response's ttl_ms and cache_scope", () => {
    expect(cacheHintOf({ ttlMs: 1_500, cacheScope: CacheScope.PUBLIC })).toEqual({ ttlMs: 1_500, cacheScope: "public" });
    expect(cacheHintOf({ ttlMs: 0, cacheScope: CacheScope.PRIVATE })).toEqual({ ttlMs: 0, cacheScope: "private" });
  });

  it("fills each field a backend left unset from the default, field by field", () => {
    expect(DEFAULT_CACHE_HINT).toEqual({ ttlMs: 0, cacheScope: "private" });
    expect(cacheHintOf({ cacheScope: CacheScope.UNSPECIFIED })).toEqual(DEFAULT_CACHE_HINT);
    expect(cacheHintOf({ ttlMs: 30_000, cacheScope: CacheScope.UNSPECIFIED })).toEqual({ ttlMs: 30_000, cacheScope: "private" });
    expect(cacheHintOf({ cacheScope: CacheScope.PUBLIC })).toEqual({ ttlMs: 0, cacheScope: "public" });
    // A scope newer than this gateway knows counts as unset.
    expect(cacheHintOf({ cacheScope: 7 as CacheScope })).toEqual(DEFAULT_CACHE_HINT);
  });
});

describe("mergeCacheHints", () => {
  it("takes the smallest ttl, and private when any part is private", () => {
    expect(
      mergeCacheHints([
        { ttlMs: 600_000, cacheScope: "public" },
        { ttlMs: 5_000, cacheScope: "public" },
      ]),
    ).toEqual({ ttlMs: 5_000, cacheScope: "public" });
    expect(
      mergeCacheHints([
        { ttlMs: 600_000, cacheScope: "public" },
        { ttlMs: 900_000, cacheScope: "private" },
      ]),
    ).toEqual({ ttlMs: 600_000, cacheScope: "private" });
  });

  it("is the default for nothing, and the hint itself for one", () => {
    expect(mergeCacheHints([])).toEqual(DEFAULT_CACHE_HINT);
    expect(mergeCacheHints([{ ttlMs: 42, cacheScope: "public" }])).toEqual({ ttlMs: 42, cacheScope: "public" });
  });
});
