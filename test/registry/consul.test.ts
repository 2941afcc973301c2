import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConsulRegistry } from "../../runtime/src/registry/consul/consul-registry.js";
import type { ConsulRegistryOptions } from "../../runtime/src/registry/consul/options.js";
import type { ServiceRecord } from "../../runtime/src/registry/registry.js";
import { ConsulEmulator, type ConsulEmulatorOptions } from "../consul-emulator/consul-emulator.js";
import { eventsOf, nextEvent, sleep, waitUntil } from "./wait.js";

function record(name: string, version: string, ...ids: string[]): ServiceRecord {
  return {
    name,
    version,
    metadata: { team: "core" },
    endpoints: [{ name: `/${name}/Call`, request: "x.Req", response: "x.Res", metadata: { kind: "unary" } }],
    nodes: ids.map((id, index) => ({ id, address: `127.0.0.1:${5000 + index}`, metadata: {} })),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function agent(options?: ConsulEmulatorOptions): Promise<ConsulEmulator> {
  const emulator = await ConsulEmulator.start(options);
  cleanups.push(() => emulator.close());
  return emulator;
}

/** Short timings so that failures and retries show within test time. */
function consul(emulator: ConsulEmulator, options: ConsulRegistryOptions = {}): ConsulRegistry {
  const registry = new ConsulRegistry({ address: emulator.address, retryMs: 50, retryMaxMs: 200, requestTimeoutMs: 2000, ...options });
  cleanups.push(() => registry.close());
  return registry;
}

describe("ConsulRegistry", () => {
  it("registers a node as a Consul service instance with a TTL check", async () => {
    const emulator = await agent();
    const registry = consul(emulator, { deregisterCriticalAfterMs: 90_000 });
    await registry.register(record("greeter", "1.2.0", "g1"), { ttlMs: 10_000 });
    const [entry] = emulator.state.health("greeter", true) as { Service: Record<string, unknown>; Checks: Record<string, unknown>[] }[];
    expect(entry?.Service).toMatchObject({ ID: "g1", Service: "greeter", Tags: ["kled"], Address: "127.0.0.1", Port: 5000 });
    expect(entry?.Service["Meta"]).toMatchObject({ kled_version: "1.2.0", kled_md_team: "core" });
    expect(entry?.Checks[0]).toMatchObject({ CheckID: "service:g1", Status: "passing", Type: "ttl" });
    expect(emulator.requests).toContain("PUT /v1/agent/service/register");
  });

  it("round-trips version, metadata and endpoints, including what does not fit a Meta pair", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    const endpoints = Array.from({ length: 40 }, (_, i) => ({
      name: `/kled.demo.v1.Demo/Method${i}`,
      request: `kled.demo.v1.Method${i}Request`,
      response: `kled.demo.v1.Method${i}Response`,
      metadata: { kind: "unary", idempotency: i % 2 === 0 ? "no-side-effects" : "unknown" },
    }));
    const service: ServiceRecord = {
      name: "kled.demo.v1.Demo",
      version: "2.0.0-rc.1",
      metadata: { team: "core", "app.kubernetes.io/name": "demo", long: "x".repeat(600), ünïcode: "ok" },
      endpoints,
      nodes: [
        { id: "d1", address: "[::1]:50051", metadata: { zone: "eu-1", "topology.kubernetes.io/zone": "a" } },
        { id: "d2", address: "localhost:50052", metadata: {} },
      ],
    };
    await registry.register(service);
    expect(await registry.getService("kled.demo.v1.Demo")).toEqual([service]);

    const meta = emulator.state.health("kled.demo.v1.Demo", true).map((e) => (e as { Service: { Meta: Record<string, string> } }).Service.Meta)[0]!;
    expect(Object.keys(meta).length).toBeLessThanOrEqual(64);
    for (const [key, value] of Object.entries(meta)) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(512);
    }
    expect(meta["kled_ep_1"]).toBeDefined(); // the payload needed several values
  });

  it("fails with a clear error when a record cannot fit in Consul Meta, or a node address is not host:port", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    const huge = record("huge", "1", "h1");
    huge.metadata = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, `${Math.random()}${i}`]));
    await expect(registry.register(huge)).rejects.toThrow(
      /^registry "consul": service "huge" node "h1" needs \d+ Consul Meta pairs, over Consul's limit of 64; trim its metadata or endpoints$/,
    );
    const bad = record("bad", "1", "b1");
    bad.nodes[0]!.address = "no-port";
    await expect(registry.register(bad)).rejects.toThrow('registry "consul": service "bad" node "b1" has address "no-port", which is not host:port');
    expect(emulator.requests.filter((r) => r.startsWith("PUT"))).toEqual([]);
  });

  it("only passes the check when register() is called again with the same record", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    await registry.register(record("greeter", "1", "g1"));
    await registry.register(record("greeter", "1", "g1"));
    expect(emulator.requests.filter((r) => r.startsWith("PUT"))).toEqual([
      "PUT /v1/agent/service/register",
      "PUT /v1/agent/check/pass/service%3Ag1",
    ]);
    const changed = record("greeter", "1", "g1");
    changed.metadata = { team: "edge" };
    await registry.register(changed);
    expect(emulator.requests.at(-1)).toBe("PUT /v1/agent/service/register");
  });

  it("keeps a node passing between register() calls, and a node whose heartbeat stops disappears after its TTL", async () => {
    const emulator = await agent({ deregisterCriticalMinMs: 0 });
    const owner = consul(emulator, { deregisterCriticalAfterMs: 500 });
    const reader = consul(emulator);
    await owner.register(record("greeter", "1", "g1"), { ttlMs: 600 });
    await sleep(1500); // more than two TTLs: only the registry's own heartbeat keeps it alive
    expect((await reader.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["g1"]);

    await owner.close(); // the process "dies": no deregistration, no more heartbeats
    const elapsed = await waitUntil("node gone", async () => (await reader.getService("greeter")).length === 0, 3000);
    expect(elapsed).toBeLessThan(1500);
    // … and after DeregisterCriticalServiceAfter the agent removes it from the catalog too.
    await waitUntil("reaped", () => emulator.state.health("greeter", false).length === 0, 3000);
    expect(await reader.listServices()).toEqual([]);
  });

  it("registers again when the agent forgot the node (restarted without its state)", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    await registry.register(record("greeter", "1", "g1"), { ttlMs: 600 });
    await emulator.restart({ keepState: false });
    await waitUntil("re-registered", () => emulator.state.health("greeter", true).length === 1, 2000);
  });

  it("deregisters, and lists only Kled services with their passing nodes", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    await registry.register(record("greeter", "1", "g1", "g2"));
    await registry.register(record("greeter", "2", "g3"));
    await registry.register(record("echo", "1", "e1"));
    emulator.state.register({ ID: "web1", Name: "web", Port: 80 }); // not a Kled service
    expect((await registry.listServices()).map((s) => `${s.name}@${s.version}:${s.nodes.length}`).sort()).toEqual([
      "echo@1:1",
      "greeter@1:2",
      "greeter@2:1",
    ]);
    await registry.deregister(record("greeter", "1", "g1"));
    expect((await registry.getService("greeter")).map((s) => s.nodes.map((n) => n.id))).toEqual([["g2"], ["g3"]]);
    expect(await registry.getService("nobody")).toEqual([]);
    expect(await registry.getService("web")).toEqual([]);
  });

  it("watches one service through blocking queries: create, update, delete", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    const events = eventsOf(registry.watch({ service: "greeter" }));
    await sleep(50); // let the first (non-blocking) query answer, so that the rest are blocking ones
    await registry.register(record("greeter", "1", "g1"));
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "create", service: { name: "greeter", version: "1", nodes: [{ id: "g1" }] } });
    const changed = record("greeter", "1", "g1");
    changed.nodes[0]!.metadata = { zone: "b" };
    await registry.register(changed);
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "update", service: { nodes: [{ id: "g1", metadata: { zone: "b" } }] } });
    await registry.register(record("echo", "1", "e1")); // another service: no event here
    await registry.deregister(changed);
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "delete", service: { nodes: [{ id: "g1" }] } });
    expect(emulator.requests.some((r) => /^GET \/v1\/health\/service\/greeter\?.*index=\d+.*wait=/.test(r))).toBe(true);
  });

  it("watches every service through the catalog, and reports nodes whose TTL expired as deleted", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    const events = eventsOf(registry.watch());
    await registry.register(record("greeter", "1", "g1"));
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "create", service: { name: "greeter" } });
    const other = consul(emulator);
    await other.register(record("echo", "1", "e1"), { ttlMs: 300 });
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "create", service: { name: "echo" } });
    await other.close(); // heartbeats stop: the check turns critical after 300 ms
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "delete", service: { name: "echo", nodes: [{ id: "e1" }] } });
  });

  it("keeps watching through an agent outage and reports what changed meanwhile", async () => {
    const emulator = await agent();
    const registry = consul(emulator, { watchWaitMs: 300 });
    const events = eventsOf(registry.watch({ service: "greeter" }));
    await registry.register(record("greeter", "1", "g1"));
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "create" });
    await emulator.stop();
    await sleep(200);
    emulator.state.deregister("g1");
    emulator.state.register({ ID: "g2", Name: "greeter", Address: "127.0.0.1", Port: 6000, Tags: ["kled"], Meta: { kled_version: "1" } });
    await emulator.start();
    const seen = [await nextEvent(events, 3000), await nextEvent(events, 3000)];
    expect(seen.map((e) => `${e.type}:${e.service.nodes[0]?.id}`).sort()).toEqual(["create:g2", "delete:g1"]);
  });

  it("sends the ACL token, and says what to do when Consul refuses", async () => {
    const emulator = await agent({ aclToken: "s3cret" });
    await expect(consul(emulator).register(record("greeter", "1", "g1"))).rejects.toThrow(
      /refused PUT \/v1\/agent\/service\/register: 403 Permission denied: anonymous token lacks permission 'service:write'.*; give the registry an ACL token with service:write and service:read \(KLED_CONSUL_TOKEN or \?token= in the registry spec\)$/,
    );
    await expect(consul(emulator, { token: "wrong" }).getService("greeter")).rejects.toThrow(
      `registry "consul": the agent at http://${emulator.address} refused GET /v1/health/service/greeter?passing=true: 403 ACL not found; the ACL token is unknown to Consul: set a valid one with KLED_CONSUL_TOKEN or ?token= in the registry spec`,
    );
    const registry = consul(emulator, { token: "s3cret" });
    await registry.register(record("greeter", "1", "g1"));
    expect((await registry.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["g1"]);
    expect(await consul(emulator).getService("greeter")).toEqual([]); // Consul filters, it does not refuse, reads of the anonymous token
  });

  it("asks the given datacenter", async () => {
    const emulator = await agent({ datacenter: "eu1" });
    await consul(emulator).register(record("greeter", "1", "g1"));
    expect(await consul(emulator, { datacenter: "eu1" }).getService("greeter")).toHaveLength(1);
    await expect(consul(emulator, { datacenter: "us1" }).getService("greeter")).rejects.toThrow("500 No path to datacenter");
  });

  it("says when the agent cannot be reached", async () => {
    const emulator = await agent();
    const registry = consul(emulator);
    await emulator.stop();
    const message = `registry "consul": cannot reach http://${emulator.address} (ECONNREFUSED); is the Consul agent running?`;
    await expect(registry.getService("greeter")).rejects.toThrow(message);
    await expect(registry.register(record("greeter", "1", "g1"))).rejects.toThrow(message);
  });

  it("says when the agent does not answer in time", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket)); // accepts connections, never answers
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await once(silent, "close");
    });
    const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const registry = new ConsulRegistry({ address, requestTimeoutMs: 200 });
    cleanups.push(() => registry.close());
    await expect(registry.getService("greeter")).rejects.toThrow(
      `registry "consul": http://${address} did not answer GET /v1/health/service/greeter?passing=true within 200 ms (option requestTimeoutMs); is the Consul agent overloaded, or is something else listening there?`,
    );
  });

  it("rejects invalid options and use after close, naming the value", async () => {
    expect(() => new ConsulRegistry({ address: "localhost" })).toThrow(
      'registry "consul": address "localhost" is invalid; use host:port (IPv6 in brackets), e.g. "127.0.0.1:8500"',
    );
    expect(() => new ConsulRegistry({ retryMs: 0 })).toThrow('registry "consul": retryMs 0 is invalid');
    const registry = new ConsulRegistry();
    await registry.close();
    await expect(registry.getService("x")).rejects.toThrow('registry "consul": closed; create a new registry');
  });
});
