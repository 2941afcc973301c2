import { MemoryRegistry } from "@kled/runtime";
import { CacheScope } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListingBackend, startListingBackend } from "./listing-backend.js";
import { CLIENT_LINES, connect, startGateway } from "./support.js";

/**
 * A backend whose lists change without the registry noticing: the gateway
 * learns of it only because the lists' ttl_ms ran out, lists it again and
 * tells clients, on either revision, as it does for registry changes.
 */

const started: Array<{ stop(): Promise<void> }> = [];
let registry: MemoryRegistry;
let changing: ListingBackend;
let unhinted: ListingBackend;
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  started.push({ stop: () => registry.close() });
  changing = new ListingBackend(2, { ttlMs: 150, cacheScope: CacheScope.PUBLIC });
  started.push(await startListingBackend(registry, "ttl.tools", changing));
  // Sets no ttl_ms: a backend built before the field, listed again only on registry changes.
  unhinted = new ListingBackend(1);
  started.push(await startListingBackend(registry, "static.tools", unhinted));
  gateway = await startGateway(registry, { minRelistIntervalMs: 100 });
  started.push(gateway);
});
afterAll(async () => {
  for (const thing of started.reverse()) await thing.stop();
});

/** Resolves when `check` holds, polling; fails after a wide bound (a noisy 2-core machine). */
async function eventually(check: () => boolean, what: string, boundMs = 15_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`still not true after ${boundMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("re-listing a backend when its ttl runs out", () => {
  it("lists a backend with a ttl again and again, and one without only once", async () => {
    const before = changing.toolListings;
    await eventually(() => changing.toolListings >= before + 3, "three more listings of the backend with a 150 ms ttl");
    expect(unhinted.toolListings).toBe(1);
  });

  it.each(CLIENT_LINES)("tells a %s client when the list changed, and what it is now", async (line) => {
    const seen: string[][] = [];
    const client = await connect(line, gateway.url, { onToolsChanged: (names) => seen.push(names) });
    // The 2026-07-28 client subscribes (subscriptions/listen) as it connects; the 1.x client opens its GET stream after initialized.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const count = changing.count + 1;
    const newest = `t${String(count - 1).padStart(2, "0")}`;
    changing.count = count;
    await eventually(() => seen.some((names) => names.includes(newest)), `a list_changed and a list with ${newest}`);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain(newest);
    await client.close();
  });

  it("sends nothing when the lists stayed the same", async () => {
    const seen: string[][] = [];
    const client = await connect("sdk-1.x", gateway.url, { onToolsChanged: (names) => seen.push(names) });
    const before = changing.toolListings;
    await eventually(() => changing.toolListings >= before + 3, "three more listings");
    expect(seen).toEqual([]);
    await client.close();
  });
});
