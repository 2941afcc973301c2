import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Etcd3 } from "etcd3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdRegistry } from "@kled/runtime/etcd";
import type { EtcdRegistryOptions } from "../../runtime/src/registry/etcd/options.js";
import type { RegistryEvent, ServiceRecord } from "../../runtime/src/registry/registry.js";
import { type EtcdCluster, requireEtcd, startEtcd } from "../support/etcd.js";
import { eventsOf, nextEvent, sleep } from "./wait.js";

const availability = requireEtcd();
const CHILD = fileURLToPath(new URL("./fixtures/etcd-child.ts", import.meta.url));
/** Starting Node with tsx takes a few hundred milliseconds; allow for a loaded machine. */
const CHILD_READY_TIMEOUT_MS = 15_000;

function record(name: string, version: string, ...ids: string[]): ServiceRecord {
  return {
    name,
    version,
    metadata: { team: "core" },
    endpoints: [{ name: `/${name}/Call`, request: "x.Req", response: "x.Res", metadata: { kind: "unary" } }],
    nodes: ids.map((id, index) => ({ id, address: `127.0.0.1:${5000 + index}`, metadata: { zone: "a" } })),
  };
}

let cluster: EtcdCluster;
/** A raw client on the member, to look at keys and leases as etcd has them. */
let raw: Etcd3;
let prefixes = 0;
const cleanups: (() => Promise<unknown>)[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (availability.skip) return;
  cluster = await startEtcd();
  raw = new Etcd3({ hosts: cluster.endpoints });
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});
afterAll(async () => {
  raw?.close();
  await cluster?.stop();
});

/** A registry on the test member, under a prefix of its own so that tests never see each other's keys. */
function etcd(options: EtcdRegistryOptions = {}, prefix = `/kled-test/${++prefixes}/`): EtcdRegistry {
  const registry = new EtcdRegistry({ endpoints: [cluster.members[0]!.endpoint], prefix, retryMs: 50, retryMaxMs: 500, ...options });
  cleanups.push(() => registry.close());
  return registry;
}

const ids = (records: ServiceRecord[]): string[][] => records.map((r) => r.nodes.map((n) => n.id));
const summary = (event: RegistryEvent): string => `${event.type} ${event.service.version} ${event.service.nodes.map((n) => n.id).join(",")}`;

describe.skipIf(availability.skip)("EtcdRegistry on a real etcd member", () => {
  it("stores each node as JSON at <prefix><service>/<version>/<node id>, held by a lease with the TTL", async () => {
    const registry = etcd({}, "/kled-layout/");
    await registry.register(record("kled.demo.v1.Greeter", "1.0/beta", "g/1"), { ttlMs: 7_000 });
    const keys = await raw.getAll().prefix("/kled-layout/").keys();
    expect(keys).toEqual(["/kled-layout/kled.demo.v1.Greeter/1.0%2Fbeta/g%2F1"]);
    const value = await raw.get(keys[0]!).json();
    expect(value).toEqual(record("kled.demo.v1.Greeter", "1.0/beta", "g/1"));
    const response = await raw.kv.range({ key: Buffer.from(keys[0]!) });
    const lease = await raw.leaseClient.leaseTimeToLive({ ID: response.kvs[0]!.lease });
    expect(Number(lease.grantedTTL)).toBe(7);
    expect(Number(lease.TTL)).toBeGreaterThan(0);
  });

  it("round-trips version, metadata and endpoints; lookups by name, listings of every service", async () => {
    const registry = etcd();
    const other = etcd({}, `/kled-test/${prefixes}/`); // same prefix: another process's view
    const greeter: ServiceRecord = {
      name: "greeter",
      version: "1.2.0",
      metadata: { team: "core", "app.kubernetes.io/name": "greeter", long: "x".repeat(2000) },
      endpoints: Array.from({ length: 30 }, (_, i) => ({
        name: `/greeter/Method${i}`,
        request: `x.Req${i}`,
        response: `x.Res${i}`,
        metadata: { kind: "unary", idempotency: "no-side-effects" },
      })),
      nodes: [
        { id: "g1", address: "[::1]:50051", metadata: { zone: "eu-1" } },
        { id: "g2", address: "localhost:50052", metadata: {} },
      ],
    };
    await registry.register(greeter);
    await registry.register(record("greeter", "2.0.0", "g3"));
    await registry.register(record("greeter-admin", "1", "a1")); // a name that extends another must not show up in its lookups
    expect(await other.getService("greeter")).toEqual([greeter, record("greeter", "2.0.0", "g3")]);
    expect(await other.getService("unknown")).toEqual([]);
    const listed = await other.listServices();
    expect(listed.map((r) => `${r.name}@${r.version}`).sort()).toEqual(["greeter-admin@1", "greeter@1.2.0", "greeter@2.0.0"]);
    expect(listed.find((r) => r.version === "1.2.0")?.nodes.map((n) => n.id)).toEqual(["g1", "g2"]);
  });

  it("watches: every live node first, then create, update and delete as they happen, per service or for all", async () => {
    const registry = etcd();
    await registry.register(record("greeter", "1", "g1"));
    const one = eventsOf(registry.watch({ service: "greeter" }));
    const all = eventsOf(registry.watch());
    expect(summary(await nextEvent(one, 5000))).toBe("create 1 g1");
    expect(summary(await nextEvent(all, 5000))).toBe("create 1 g1");

    await registry.register(record("greeter", "1", "g2"));
    await registry.register(record("other", "1", "o1"));
    await registry.register({ ...record("greeter", "1", "g1"), metadata: { team: "edge" } });
    await registry.register(record("greeter", "1", "g1")); // metadata back: another update
    await registry.deregister(record("greeter", "1", "g2"));

    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(summary(await nextEvent(one, 5000)));
    expect(seen).toEqual(["create 1 g2", "update 1 g1", "update 1 g1", "delete 1 g2"]);
    const update = await (async () => {
      const events: RegistryEvent[] = [];
      for (let i = 0; i < 5; i++) events.push(await nextEvent(all, 5000));
      return events;
    })();
    expect(update.map(summary)).toEqual(["create 1 g2", "create 1 o1", "update 1 g1", "update 1 g1", "delete 1 g2"]);
    expect(update[2]?.service.metadata).toEqual({ team: "edge" });
    expect(update[4]?.service).toEqual(record("greeter", "1", "g2")); // a delete carries the last known record
  });

  it("a re-register of an unchanged node refreshes its lease without a write (no watch event, same revision)", async () => {
    const registry = etcd();
    await registry.register(record("greeter", "1", "g1"), { ttlMs: 3_000 });
    const before = await raw.kv.range({ key: Buffer.from(`/kled-test/${prefixes}/greeter/1/g1`) });
    const events = eventsOf(registry.watch({ service: "greeter" }));
    expect(summary(await nextEvent(events, 5000))).toBe("create 1 g1");
    await registry.register(record("greeter", "1", "g1"), { ttlMs: 3_000 });
    const after = await raw.kv.range({ key: Buffer.from(`/kled-test/${prefixes}/greeter/1/g1`) });
    expect(after.kvs[0]?.mod_revision).toBe(before.kvs[0]?.mod_revision);
    expect(after.kvs[0]?.lease).toBe(before.kvs[0]?.lease);
    // A new TTL takes a new lease; the key moves to it, the old one is revoked.
    await registry.register(record("greeter", "1", "g1"), { ttlMs: 5_000 });
    const moved = await raw.kv.range({ key: Buffer.from(`/kled-test/${prefixes}/greeter/1/g1`) });
    expect(moved.kvs[0]?.lease).not.toBe(before.kvs[0]?.lease);
    expect(Number((await raw.leaseClient.leaseTimeToLive({ ID: before.kvs[0]!.lease })).TTL)).toBe(-1);
    await expect(nextEvent(events, 300)).rejects.toThrow("no registry event");
  });

  it("keeps a live node beyond several TTLs by lease keepalive, without register() calls", async () => {
    const registry = etcd();
    await registry.register(record("greeter", "1", "g1"), { ttlMs: 2_000 });
    await sleep(5_000);
    expect(ids(await registry.getService("greeter"))).toEqual([["g1"]]);
  });

  it("drops the node of a killed process once its lease's TTL has passed", async () => {
    const prefix = `/kled-test/${++prefixes}/`;
    const ttlMs = 2_000;
    const child = spawn(
      process.execPath,
      ["--conditions=kled:source", "--import", "tsx", CHILD, cluster.endpoints, prefix, "child-1", String(ttlMs)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(child);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next(), sleep(CHILD_READY_TIMEOUT_MS).then(() => ({ value: "timeout" }))]);
    expect(first.value).toBe("ready");

    const registry = etcd({}, prefix);
    const events = eventsOf(registry.watch({ service: "child-service" }));
    expect(await nextEvent(events, 5000)).toMatchObject({ type: "create", service: { nodes: [{ id: "child-1" }] } });
    // Alive beyond its TTL: the child's registry keeps the lease alive.
    await sleep(ttlMs + 1_000);
    expect(ids(await registry.getService("child-service"))).toEqual([["child-1"]]);

    child.kill("SIGKILL");
    const killedAt = performance.now();
    // No revoke from a killed process: the node lives until etcd expires its lease.
    expect(await nextEvent(events, ttlMs + 10_000)).toMatchObject({ type: "delete", service: { nodes: [{ id: "child-1" }] } });
    const goneAfterMs = performance.now() - killedAt;
    process.stderr.write(`etcd: killed process's node gone ${Math.round(goneAfterMs)} ms after SIGKILL (TTL ${ttlMs} ms)\n`);
    expect(await registry.getService("child-service")).toEqual([]);
  });

  it("deregister revokes the lease and deletes the key; other nodes stay", async () => {
    const registry = etcd();
    await registry.register(record("greeter", "1", "g1", "g2"));
    const key = `/kled-test/${prefixes}/greeter/1/g1`;
    const lease = (await raw.kv.range({ key: Buffer.from(key) })).kvs[0]!.lease;
    await registry.deregister(record("greeter", "1", "g1"));
    expect(ids(await registry.getService("greeter"))).toEqual([["g2"]]);
    expect(Number((await raw.leaseClient.leaseTimeToLive({ ID: lease })).TTL)).toBe(-1);
    // A node this registry does not hold (another process's) is deleted too.
    const other = etcd({}, `/kled-test/${prefixes}/`);
    await other.deregister(record("greeter", "1", "g2"));
    expect(await registry.getService("greeter")).toEqual([]);
  });

  it("close() revokes its leases at once, stops its watchers, and refuses further calls", async () => {
    const registry = new EtcdRegistry({ endpoints: [cluster.members[0]!.endpoint], prefix: `/kled-test/${++prefixes}/` });
    const observer = etcd({}, `/kled-test/${prefixes}/`);
    await registry.register(record("greeter", "1", "g1", "g2"));
    const watcher = registry.watch();
    const events = eventsOf(observer.watch({ service: "greeter" }));
    await nextEvent(events, 5000);
    await nextEvent(events, 5000);
    await registry.close();
    // Deletes follow at once, not after the 90 s TTL.
    expect((await nextEvent(events, 5000)).type).toBe("delete");
    expect((await nextEvent(events, 5000)).type).toBe("delete");
    expect(await observer.getService("greeter")).toEqual([]);
    expect((await watcher[Symbol.asyncIterator]().next()).done).toBe(true);
    await expect(registry.getService("greeter")).rejects.toThrow('registry "etcd": closed');
    await registry.close(); // idempotent
  });

  it("rejects what cannot be registered, naming the value", async () => {
    const registry = etcd();
    await expect(registry.register({ ...record("greeter", "1"), nodes: [] })).rejects.toThrow('registry "etcd": service "greeter" has no nodes');
    await expect(registry.register(record("greeter", "1", "g1"), { ttlMs: -1 })).rejects.toThrow('registry "etcd": ttlMs -1 is invalid');
  });

  it("says where it looked when etcd cannot be reached", async () => {
    const registry = etcd({ endpoints: ["127.0.0.1:1"], requestTimeoutMs: 2_000 });
    await expect(registry.getService("greeter")).rejects.toThrow(
      /^registry "etcd": cannot read \/kled-test\/\d+\/greeter\/ \(.+\); is etcd running at 127\.0\.0\.1:1, with a quorum of its members\?$/,
    );
  });
});
