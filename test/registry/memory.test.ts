import { afterEach, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../runtime/src/registry/memory.js";
import type { ServiceRecord } from "../../runtime/src/registry/registry.js";
import { eventsOf, nextEvent, sleep } from "./wait.js";

function record(name: string, version: string, ...ids: string[]): ServiceRecord {
  return {
    name,
    version,
    metadata: { team: "core" },
    endpoints: [{ name: `/${name}/Call`, request: "x.Req", response: "x.Res", metadata: { kind: "unary" } }],
    nodes: ids.map((id) => ({ id, address: `127.0.0.1:${5000 + ids.indexOf(id)}`, metadata: {} })),
  };
}

const registries: MemoryRegistry[] = [];
function memory(options?: ConstructorParameters<typeof MemoryRegistry>[0]): MemoryRegistry {
  const registry = new MemoryRegistry(options);
  registries.push(registry);
  return registry;
}
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

describe("MemoryRegistry", () => {
  it("registers, gets, lists and deregisters nodes", async () => {
    const registry = memory();
    await registry.register(record("greeter", "1.0.0", "g1", "g2"));
    await registry.register(record("greeter", "2.0.0", "g3"));
    await registry.register(record("echo", "1.0.0", "e1"));

    const greeter = await registry.getService("greeter");
    expect(greeter.map((s) => [s.version, s.nodes.map((n) => n.id)])).toEqual([
      ["1.0.0", ["g1", "g2"]],
      ["2.0.0", ["g3"]],
    ]);
    expect(greeter[0]?.endpoints[0]?.name).toBe("/greeter/Call");
    expect(greeter[0]?.metadata).toEqual({ team: "core" });

    const listed = await registry.listServices();
    expect(listed.map((s) => `${s.name}@${s.version}`).sort()).toEqual(["echo@1.0.0", "greeter@1.0.0", "greeter@2.0.0"]);

    await registry.deregister(record("greeter", "1.0.0", "g1"));
    expect((await registry.getService("greeter")).map((s) => s.nodes.map((n) => n.id))).toEqual([["g2"], ["g3"]]);
    expect(await registry.getService("nobody")).toEqual([]);
  });

  it("returns copies that callers cannot use to change the store", async () => {
    const registry = memory();
    const service = record("greeter", "1.0.0", "g1");
    await registry.register(service);
    service.nodes[0]!.address = "changed:1";
    const [found] = await registry.getService("greeter");
    found!.nodes[0]!.metadata["x"] = "y";
    expect((await registry.getService("greeter"))[0]?.nodes[0]).toEqual({ id: "g1", address: "127.0.0.1:5000", metadata: {} });
  });

  it("expires nodes not refreshed within the TTL, and keeps refreshed ones", async () => {
    const registry = memory();
    await registry.register(record("greeter", "1.0.0", "short"), { ttlMs: 200 });
    await registry.register(record("greeter", "1.0.0", "kept"), { ttlMs: 200 });
    await sleep(120);
    await registry.register(record("greeter", "1.0.0", "kept"), { ttlMs: 200 });
    await sleep(120);
    expect((await registry.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["kept"]);
    await sleep(100);
    expect(await registry.getService("greeter")).toEqual([]);
  });

  it("tells watchers about create, update and delete, and not about plain refreshes", async () => {
    const registry = memory();
    const events = eventsOf(registry.watch());
    await registry.register(record("greeter", "1.0.0", "g1"));
    expect(await nextEvent(events, 500)).toMatchObject({ type: "create", service: { name: "greeter", nodes: [{ id: "g1" }] } });

    await registry.register(record("greeter", "1.0.0", "g1")); // refresh: no event
    const changed = record("greeter", "1.0.0", "g1");
    changed.nodes[0]!.metadata = { zone: "b" };
    await registry.register(changed);
    expect(await nextEvent(events, 500)).toMatchObject({ type: "update", service: { nodes: [{ metadata: { zone: "b" } }] } });

    await registry.deregister(record("greeter", "1.0.0", "g1"));
    expect(await nextEvent(events, 500)).toMatchObject({ type: "delete", service: { nodes: [{ id: "g1" }] } });
  });

  it("emits delete when a node expires, without anyone reading", async () => {
    const registry = memory();
    const events = eventsOf(registry.watch({ service: "greeter" }));
    await registry.register(record("echo", "1.0.0", "e1"), { ttlMs: 50 });
    await registry.register(record("greeter", "1.0.0", "g1"), { ttlMs: 50 });
    expect((await nextEvent(events, 500)).type).toBe("create");
    const start = performance.now();
    const expired = await nextEvent(events, 1000);
    expect(expired).toMatchObject({ type: "delete", service: { name: "greeter" } });
    expect(performance.now() - start).toBeLessThan(500);
  });

  it("ends iteration on stop(), on break and on close()", async () => {
    const registry = memory();
    const stopped = registry.watch();
    const pending = eventsOf(stopped).next();
    stopped.stop();
    expect(await pending).toEqual({ done: true, value: undefined });

    const broken = registry.watch();
    await registry.register(record("greeter", "1.0.0", "g1"));
    for await (const event of broken) {
      expect(event.type).toBe("create");
      break;
    }
    expect(await eventsOf(broken).next()).toMatchObject({ done: true });

    const open = registry.watch();
    const waiting = eventsOf(open).next();
    await registry.close();
    expect(await waiting).toMatchObject({ done: true });
    await expect(registry.getService("greeter")).rejects.toThrow('registry "memory": closed');
  });

  it("shares one store between shared instances and keeps private ones apart", async () => {
    const a = memory({ shared: true });
    const b = memory({ shared: true });
    const lonely = memory();
    await a.register(record("shared-greeter", "1.0.0", "s1"));
    expect((await b.getService("shared-greeter"))[0]?.nodes).toHaveLength(1);
    expect(await lonely.getService("shared-greeter")).toEqual([]);
    await b.deregister(record("shared-greeter", "1.0.0", "s1"));
  });

  it("rejects invalid records and TTLs, naming the value", async () => {
    const registry = memory();
    await expect(registry.register(record("greeter", "1.0.0"))).rejects.toThrow(
      'registry "memory": service "greeter" has no nodes; register at least one node',
    );
    await expect(registry.register(record("", "1.0.0", "x"))).rejects.toThrow("service name is empty");
    await expect(registry.register(record("greeter", "1.0.0", "g1"), { ttlMs: -5 })).rejects.toThrow(
      'registry "memory": ttlMs -5 is invalid',
    );
    expect(await registry.listServices()).toEqual([]);
  });
});
