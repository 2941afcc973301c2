import { describe, expect, it } from "vitest";
import { CachedRegistry, MemoryRegistry, registryResolver } from "@kled/runtime";
import { targetNode } from "../../runtime/src/client/resolve.js";
import { RoundRobinSelector } from "../../runtime/src/selector/round-robin.js";
import type { ClientRequest } from "../../runtime/src/client/middleware.js";

const record = (ids: string[]) => ({
  name: "svc",
  version: "1",
  metadata: {},
  endpoints: [],
  nodes: ids.map((id, i) => ({ id, address: `127.0.0.1:${5000 + i}`, metadata: {} })),
});
const request = { serviceName: "svc" } as ClientRequest;

describe("the registry resolver", () => {
  it("knows a cached service's records without a promise, and a node is picked from them at once", async () => {
    const registry = new MemoryRegistry();
    const cache = new CachedRegistry(registry);
    try {
      await registry.register(record(["a"]));
      const resolve = registryResolver(cache);
      expect(resolve.known?.("svc")).toBeUndefined(); // not looked up yet
      expect(targetNode(request, new Set(), resolve, new RoundRobinSelector())).toBeInstanceOf(Promise);
      await resolve("svc");
      expect(resolve.known?.("svc")?.[0]?.nodes.map((n) => n.id)).toEqual(["a"]);
      expect(targetNode(request, new Set(), resolve, new RoundRobinSelector())).toMatchObject({ id: "a" });
      // No node left: UNAVAILABLE at once, which the caller's async frame turns into its rejection.
      expect(() => targetNode(request, new Set(["a"]), resolve, new RoundRobinSelector())).toThrow(/no available node for service "svc"/);
    } finally {
      await cache.close();
      await registry.close();
    }
  });

  it("has nothing to know without a cache: every lookup asks the registry", async () => {
    const registry = new MemoryRegistry();
    try {
      await registry.register(record(["a", "b"]));
      const resolve = registryResolver(registry);
      expect(resolve.known).toBeUndefined();
      await expect(targetNode(request, new Set(["a"]), resolve, new RoundRobinSelector())).resolves.toMatchObject({ id: "b" });
    } finally {
      await registry.close();
    }
  });
});
