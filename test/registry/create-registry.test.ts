import { describe, expect, it } from "vitest";
import { createRegistry, registryFromEnv } from "../../runtime/src/registry/create-registry.js";
import { MdnsRegistry } from "../../runtime/src/registry/mdns/mdns-registry.js";
import { MemoryRegistry } from "../../runtime/src/registry/memory.js";

describe("createRegistry", () => {
  it("creates the memory and mdns registries", async () => {
    const memory = createRegistry("memory");
    expect(memory).toBeInstanceOf(MemoryRegistry);
    const mdns = createRegistry("mdns");
    expect(mdns).toBeInstanceOf(MdnsRegistry);
    await Promise.all([memory.close(), mdns.close()]);
  });

  it("gives every memory registry of the process the same registrations", async () => {
    const a = createRegistry("memory");
    const b = createRegistry("memory");
    const service = { name: "spec-greeter", version: "1", metadata: {}, endpoints: [], nodes: [{ id: "n1", address: "127.0.0.1:1", metadata: {} }] };
    await a.register(service);
    expect((await b.getService("spec-greeter"))[0]?.nodes).toHaveLength(1);
    await a.deregister(service);
    await Promise.all([a.close(), b.close()]);
  });

  it("names the value it does not know, and what to use instead", () => {
    expect(() => createRegistry("foo")).toThrow('registry "foo": unknown registry; use "mdns", "memory" or "consul://host:port"');
    expect(() => createRegistry("consul://127.0.0.1:8500")).toThrow(
      'registry "consul://127.0.0.1:8500": the consul registry is not available yet; use "mdns" or "memory"',
    );
  });

  it("reads KLED_REGISTRY, defaulting to mdns", async () => {
    const memory = registryFromEnv({ KLED_REGISTRY: "memory" });
    expect(memory.name).toBe("memory");
    const mdns = registryFromEnv({});
    expect(mdns.name).toBe("mdns");
    expect(() => registryFromEnv({ KLED_REGISTRY: "etcd" })).toThrow('registry "etcd": unknown registry');
    await Promise.all([memory.close(), mdns.close()]);
  });
});
