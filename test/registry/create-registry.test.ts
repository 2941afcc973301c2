import { describe, expect, it } from "vitest";
import { ConsulRegistry } from "../../runtime/src/registry/consul/consul-registry.js";
import { parseConsulSpec } from "../../runtime/src/registry/consul/options.js";
import { createRegistry, registryFromEnv } from "../../runtime/src/registry/create-registry.js";
import { LazyRegistry } from "../../runtime/src/registry/lazy-registry.js";
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
    expect(() => createRegistry("foo")).toThrow('registry "foo": unknown registry; use "mdns", "memory", "consul://host:port" or "etcd://host:port"');
  });

  it("creates a consul registry from consul://host:port, with ?token= (or KLED_CONSUL_TOKEN) and ?dc=", async () => {
    const consul = createRegistry("consul://127.0.0.1:18500?dc=eu1", { KLED_CONSUL_TOKEN: "from-env" });
    expect(consul).toBeInstanceOf(LazyRegistry);
    const loaded = await (consul as LazyRegistry).resolve();
    expect(loaded).toBeInstanceOf(ConsulRegistry);
    expect((loaded as ConsulRegistry).url).toBe("http://127.0.0.1:18500");
    await consul.close();
    expect(parseConsulSpec("consul://127.0.0.1:18500?dc=eu1", { KLED_CONSUL_TOKEN: "from-env" })).toEqual({
      address: "127.0.0.1:18500",
      token: "from-env",
      datacenter: "eu1",
    });
    expect(parseConsulSpec("consul://consul.internal?token=t1", { KLED_CONSUL_TOKEN: "from-env" })).toEqual({
      address: "consul.internal:8500",
      token: "t1",
    });
    expect(parseConsulSpec("consul://[::1]:8501", {})).toEqual({ address: "[::1]:8501" });
  });

  it("names a malformed consul spec and says what to write", () => {
    expect(() => createRegistry("consul:127.0.0.1")).toThrow(
      'registry "consul:127.0.0.1": expected consul://host:port, e.g. consul://127.0.0.1:8500',
    );
    expect(() => createRegistry("consul://127.0.0.1:port")).toThrow(
      'registry "consul://127.0.0.1:port": not a valid URL; use consul://host:port, e.g. consul://127.0.0.1:8500',
    );
    expect(() => createRegistry("consul://127.0.0.1:8500/v1")).toThrow('registry "consul://127.0.0.1:8500/v1": expected consul://host:port');
    expect(() => createRegistry("consul://127.0.0.1:8500?tls=1")).toThrow(
      'registry "consul://127.0.0.1:8500?tls=1": unknown option "tls"; the consul registry takes ?token= and ?dc=',
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
