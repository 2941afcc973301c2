import { Etcd3 } from "etcd3";
import { afterEach, describe, expect, it } from "vitest";
import { EtcdRegistry } from "@kled/runtime/etcd";
import type { LogFields, Logger } from "../../runtime/src/logging/logger.js";
import { CachedRegistry } from "../../runtime/src/registry/cache/cached-registry.js";
import type { EtcdRegistryOptions } from "../../runtime/src/registry/etcd/options.js";
import type { RegistryEvent, ServiceRecord } from "../../runtime/src/registry/registry.js";
import { type EtcdCluster, requireEtcd, startEtcd, startEtcdCluster, TcpProxy } from "../support/etcd.js";
import { eventsOf, nextEvent, waitUntil } from "./wait.js";

const availability = requireEtcd();

/** Bounds for recoveries on a loaded 2-core machine: elections, circuit breakers half-opening after 5 s, backoff. */
const RECOVERY_TIMEOUT_MS = 30_000;

function record(name: string, version: string, id: string, metadata: Record<string, string> = {}): ServiceRecord {
  return { name, version, metadata, endpoints: [], nodes: [{ id, address: "127.0.0.1:5000", metadata: {} }] };
}

const summary = (event: RegistryEvent): string =>
  `${event.type} ${event.service.nodes.map((n) => n.id).join(",")}${event.service.metadata["v"] ? ` v${event.service.metadata["v"]}` : ""}`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  // Registries before the members they talk to.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(size: number): Promise<EtcdCluster> {
  const started = size === 1 ? await startEtcd() : await startEtcdCluster(size);
  cleanups.push(() => started.stop());
  return started;
}

function etcd(endpoints: string, options: EtcdRegistryOptions = {}): EtcdRegistry {
  const registry = new EtcdRegistry({ endpoints: endpoints.split(","), prefix: "/kled-faults/", retryMs: 50, retryMaxMs: 500, requestTimeoutMs: 3_000, ...options });
  cleanups.push(() => registry.close());
  return registry;
}

/** Retries `operation` until it succeeds: a write during an election may fail, and callers (a Service's register loop) retry. */
async function eventually<T>(what: string, operation: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  await waitUntil(what, async () => {
    try {
      result = await operation();
      return true;
    } catch {
      return false;
    }
  }, RECOVERY_TIMEOUT_MS, 200);
  return result as T;
}

describe.skipIf(availability.skip)("EtcdRegistry faults", () => {
  it("restarts a watch whose history was compacted by re-reading: the net change, nothing lost, nothing replayed", async () => {
    const { members } = await cluster(1);
    const proxy = await TcpProxy.start(members[0]!.endpoint);
    cleanups.push(() => proxy.close());
    const writer = etcd(members[0]!.endpoint);
    await writer.register(record("greeter", "1", "y", { v: "1" }));
    await writer.register(record("greeter", "1", "z"));
    const watching = etcd(proxy.endpoint);
    const events = eventsOf(watching.watch({ service: "greeter" }));
    expect([summary(await nextEvent(events, 5000)), summary(await nextEvent(events, 5000))].sort()).toEqual(["create y v1", "create z"]);

    // The watcher loses its link to etcd; meanwhile the service changes and etcd compacts its history.
    proxy.cut();
    await writer.register(record("greeter", "1", "x")); // comes and goes within the gap
    await writer.deregister(record("greeter", "1", "x"));
    await writer.register(record("greeter", "1", "y", { v: "2" }));
    await writer.register(record("greeter", "1", "y", { v: "3" }));
    await writer.deregister(record("greeter", "1", "z"));
    await writer.register(record("greeter", "1", "w"));
    const raw = new Etcd3({ hosts: members[0]!.endpoint });
    const { header } = await raw.kv.range({ key: Buffer.from("/kled-faults/") });
    await raw.kv.compact({ revision: header.revision, physical: true });
    raw.close();
    proxy.restore();

    // The history since the watcher's revision is gone: it re-reads and reports the difference.
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(summary(await nextEvent(events, RECOVERY_TIMEOUT_MS)));
    expect(seen.sort()).toEqual(["create w", "delete z", "update y v3"]);
    // Then it follows live changes again, from the read's revision.
    await writer.register(record("greeter", "1", "v"));
    expect(summary(await nextEvent(events, 10_000))).toBe("create v");
    await expect(nextEvent(events, 500)).rejects.toThrow("no registry event");
  });

  it("resumes a broken watch from its revision: the events of the gap, each once", async () => {
    const { members } = await cluster(1);
    const proxy = await TcpProxy.start(members[0]!.endpoint);
    cleanups.push(() => proxy.close());
    const writer = etcd(members[0]!.endpoint);
    const watching = etcd(proxy.endpoint);
    const events = eventsOf(watching.watch({ service: "greeter" }));
    await writer.register(record("greeter", "1", "a"));
    expect(summary(await nextEvent(events, 5000))).toBe("create a");

    proxy.cut();
    await writer.register(record("greeter", "1", "x"));
    await writer.deregister(record("greeter", "1", "x"));
    await writer.register(record("greeter", "1", "a", { v: "2" }));
    proxy.restore();

    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(summary(await nextEvent(events, RECOVERY_TIMEOUT_MS)));
    expect(seen).toEqual(["create x", "delete x", "update a v2"]);
    await expect(nextEvent(events, 500)).rejects.toThrow("no registry event");
  });

  it("registers a node again under a new lease when its lease expired while etcd was out of reach", async () => {
    const { members } = await cluster(1);
    const proxy = await TcpProxy.start(members[0]!.endpoint);
    cleanups.push(() => proxy.close());
    const service = etcd(proxy.endpoint);
    const observer = etcd(members[0]!.endpoint);
    const ttlMs = 2_000;
    await service.register(record("greeter", "1", "g1"), { ttlMs });
    const events = eventsOf(observer.watch({ service: "greeter" }));
    expect(summary(await nextEvent(events, 5000))).toBe("create g1");

    // No keepalive gets through: etcd expires the lease, as it would for a dead process.
    proxy.cut();
    expect(summary(await nextEvent(events, ttlMs + 10_000))).toBe("delete g1");
    proxy.restore();
    // The next register() (a Service's loop makes one every interval) takes a new lease.
    await eventually("register g1 again", () => service.register(record("greeter", "1", "g1"), { ttlMs }));
    expect(summary(await nextEvent(events, 10_000))).toBe("create g1");
    // And that lease is kept alive.
    await new Promise((resolve) => setTimeout(resolve, 2 * ttlMs));
    expect((await observer.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["g1"]);
  });

  it("keeps discovery working when any one member of a three-member cluster is killed", async () => {
    const etcdCluster = await cluster(3);
    const writer = etcd(etcdCluster.endpoints);
    const reader = etcd(etcdCluster.endpoints);
    await writer.register(record("greeter", "1", "n0"));
    const events = eventsOf(reader.watch({ service: "greeter" }));
    expect(summary(await nextEvent(events, 5000))).toBe("create n0");

    // Each member in turn, so that whichever carried the watch stream and the lease keepalives is killed once.
    for (const [index, member] of etcdCluster.members.entries()) {
      await member.kill();
      const killedAt = performance.now();
      const id = `n${index + 1}`;
      await eventually(`register ${id} with ${member.name} killed`, () => writer.register(record("greeter", "1", id)));
      const registeredMs = performance.now() - killedAt;
      expect(summary(await nextEvent(events, RECOVERY_TIMEOUT_MS))).toBe(`create ${id}`);
      process.stderr.write(
        `etcd: ${member.name} killed; registered ${id} after ${Math.round(registeredMs)} ms, watch saw it after ${Math.round(performance.now() - killedAt)} ms\n`,
      );
      const nodes = await eventually(`look up with ${member.name} killed`, () => reader.getService("greeter"));
      expect(nodes[0]?.nodes.map((n) => n.id)).toEqual(Array.from({ length: index + 2 }, (_, i) => `n${i}`));
      await member.restart();
    }
    await expect(nextEvent(events, 500)).rejects.toThrow("no registry event");
    // The leases survived: nothing expired, nothing was registered twice.
    expect((await reader.getService("greeter"))[0]?.nodes).toHaveLength(4);
  });

  it("lets a CachedRegistry serve the last known nodes while etcd is down, and follow it again once back", async () => {
    const { members } = await cluster(1);
    const member = members[0]!;
    const writer = etcd(member.endpoint);
    await writer.register(record("greeter", "1", "g1"));
    const warnings: string[] = [];
    const log = (level: string) => (message: string, _fields?: LogFields) => void (level === "warn" && warnings.push(message));
    const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: () => logger };
    const cache = new CachedRegistry(etcd(member.endpoint), { ttlMs: 0, logger });
    cleanups.push(() => cache.close());
    expect((await cache.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["g1"]);

    await member.kill();
    // Every call looks up again behind the answer (ttlMs 0); the lookups fail, the answers stay.
    await waitUntil("the outage noticed", async () => {
      expect((await cache.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["g1"]);
      return warnings.length > 0;
    }, RECOVERY_TIMEOUT_MS, 100);
    expect(warnings[0]).toContain('registry "etcd" cannot be reached; serving the last known nodes');

    await member.restart();
    const after = etcd(member.endpoint);
    await eventually("register g2 after the restart", () => after.register(record("greeter", "1", "g2")));
    await waitUntil("g2 in the cache", async () => (await cache.getService("greeter"))[0]?.nodes.length === 2, RECOVERY_TIMEOUT_MS, 100);
  });
});
