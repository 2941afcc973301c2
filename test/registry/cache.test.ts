import { afterEach, describe, expect, it } from "vitest";
import type { LogFields, Logger } from "../../runtime/src/logging/logger.js";
import { CachedRegistry } from "../../runtime/src/registry/cache/cached-registry.js";
import { ConsulRegistry } from "../../runtime/src/registry/consul/consul-registry.js";
import { MemoryRegistry } from "../../runtime/src/registry/memory.js";
import type { Registry, ServiceRecord } from "../../runtime/src/registry/registry.js";
import { ConsulEmulator } from "../consul-emulator/consul-emulator.js";
import { sleep, waitUntil } from "./wait.js";

function record(name: string, version: string, ...ids: string[]): ServiceRecord {
  return {
    name,
    version,
    metadata: {},
    endpoints: [],
    nodes: ids.map((id, index) => ({ id, address: `127.0.0.1:${5000 + index}`, metadata: {} })),
  };
}

const ids = (records: ServiceRecord[]): string[][] => records.map((r) => r.nodes.map((n) => n.id));

/** A registry that counts lookups, makes them slow, and can be made to fail. */
class CountingRegistry extends MemoryRegistry {
  lookups = 0;
  failing = false;
  override async getService(name: string): Promise<ServiceRecord[]> {
    this.lookups++;
    await sleep(30);
    if (this.failing) throw new Error(`registry "memory": down for the test`);
    return super.getService(name);
  }
}

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { records: { level: string; message: string; fields?: LogFields }[] } {
  const records: { level: string; message: string; fields?: LogFields }[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      records.push({ level, message, ...(fields === undefined ? {} : { fields }) });
    };
  const logger = { records, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: () => logger };
  return logger;
}

const closers: { close(): Promise<void> }[] = [];
function cached(registry: Registry, options?: ConstructorParameters<typeof CachedRegistry>[1]): CachedRegistry {
  const cache = new CachedRegistry(registry, options);
  closers.push(cache);
  return cache;
}
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

describe("CachedRegistry", () => {
  it("shares one lookup among concurrent callers and answers later calls from the cache", async () => {
    const inner = new CountingRegistry();
    await inner.register(record("greeter", "1", "g1"));
    const cache = cached(inner);
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.getService("greeter")));
    expect(inner.lookups).toBe(1);
    expect(answers.every((a) => JSON.stringify(ids(a)) === '[["g1"]]')).toBe(true);
    await cache.getService("greeter");
    expect(inner.lookups).toBe(1);
    answers[0]![0]!.nodes.length = 0; // callers get copies
    expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
  });

  it("follows watch events without new lookups", async () => {
    const inner = new CountingRegistry();
    await inner.register(record("greeter", "1", "g1"));
    const cache = cached(inner);
    expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
    const shows = (expected: string[][]) => async () => JSON.stringify(ids(await cache.getService("greeter"))) === JSON.stringify(expected);
    await inner.register(record("greeter", "1", "g2"));
    await inner.register(record("greeter", "2", "g3"));
    await waitUntil("g2 and g3 seen", shows([["g1", "g2"], ["g3"]]), 1000, 1);
    await inner.deregister(record("greeter", "1", "g1", "g2"));
    await waitUntil("g1 and g2 gone", shows([["g3"]]), 1000, 1);
    expect(inner.lookups).toBe(1);
  });

  it("applies events that arrive during a lookup onto its answer", async () => {
    const inner = new CountingRegistry();
    const cache = cached(inner);
    const first = cache.getService("greeter"); // the lookup sleeps 30 ms …
    await sleep(5);
    await inner.register(record("greeter", "1", "g1")); // … and this lands meanwhile
    await first;
    expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
    expect(inner.lookups).toBe(1);
  });

  it("refreshes an entry older than the TTL in the background, serving the cached one meanwhile", async () => {
    const inner = new CountingRegistry();
    await inner.register(record("greeter", "1", "g1"));
    const cache = cached(inner, { ttlMs: 50 });
    await cache.getService("greeter");
    await sleep(60);
    const started = performance.now();
    expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
    expect(performance.now() - started).toBeLessThan(20); // did not wait for the 30 ms lookup
    await waitUntil("background lookup", () => inner.lookups === 2, 1000);
  });

  it("serves the last known nodes while the registry fails, warns once, and notes the recovery", async () => {
    const inner = new CountingRegistry();
    await inner.register(record("greeter", "1", "g1"));
    const logger = recordingLogger();
    const cache = cached(inner, { ttlMs: 20, logger });
    await cache.getService("greeter");
    inner.failing = true;
    for (let i = 0; i < 5; i++) {
      await sleep(30);
      expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
    }
    await waitUntil("lookups failed", () => inner.lookups >= 4, 1000);
    expect(logger.records.filter((r) => r.level === "warn")).toHaveLength(1);
    expect(logger.records[0]?.message).toBe(
      'registry "memory" cannot be reached; serving the last known nodes from the cache until it answers again',
    );
    inner.failing = false;
    await sleep(30);
    await cache.getService("greeter");
    await waitUntil("recovery noted", () => logger.records.some((r) => r.level === "info"), 1000);
  });

  it("fails the first lookup of a service with nothing cached, saying so", async () => {
    const inner = new CountingRegistry();
    inner.failing = true;
    const cache = cached(inner);
    await expect(cache.getService("greeter")).rejects.toThrow(
      'registry "memory": down for the test; no nodes of service "greeter" are cached to fall back on',
    );
  });

  it("delegates register, deregister, listServices and watch", async () => {
    const inner = new MemoryRegistry();
    const cache = cached(inner);
    expect(cache.name).toBe("memory");
    const watcher = cache.watch();
    const events = watcher[Symbol.asyncIterator]();
    await cache.register(record("greeter", "1", "g1"));
    expect((await inner.getService("greeter"))[0]?.nodes).toHaveLength(1);
    expect((await events.next()).value).toMatchObject({ type: "create" });
    expect((await cache.listServices()).map((s) => s.name)).toEqual(["greeter"]);
    await cache.deregister(record("greeter", "1", "g1"));
    expect(await inner.getService("greeter")).toEqual([]);
    watcher.stop();
    await cache.close();
    await expect(inner.getService("greeter")).rejects.toThrow("closed");
  });

  describe("over Consul", () => {
    const agents: ConsulEmulator[] = [];
    afterEach(async () => {
      await Promise.all(agents.splice(0).map((a) => a.close()));
    });

    it("serves through an agent outage and catches up after it", async () => {
      const agent = await ConsulEmulator.start();
      agents.push(agent);
      const options = { address: agent.address, retryMs: 50, retryMaxMs: 100, watchWaitMs: 500, requestTimeoutMs: 1000 };
      const owner = new ConsulRegistry(options);
      closers.push(owner);
      await owner.register(record("greeter", "1", "g1"), { ttlMs: 10_000 });
      const logger = recordingLogger();
      const cache = cached(new ConsulRegistry(options), { ttlMs: 100, logger });
      expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);

      await agent.stop();
      for (let i = 0; i < 3; i++) {
        await sleep(120);
        expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
      }
      await waitUntil("outage logged", () => logger.records.some((r) => r.level === "warn"), 2000);
      expect(logger.records.find((r) => r.level === "warn")?.fields?.["error"]).toBeInstanceOf(Error);

      await agent.start();
      await owner.register(record("greeter", "1", "g2"), { ttlMs: 10_000 });
      await waitUntil("g2 seen", async () => JSON.stringify(ids(await cache.getService("greeter"))) === '[["g1","g2"]]', 3000);
      // The next lookup, at most a TTL later, finds the agent back.
      await waitUntil("recovery logged", async () => {
        await cache.getService("greeter");
        return logger.records.some((r) => r.level === "info");
      }, 2000);
      expect(logger.records.filter((r) => r.level === "warn")).toHaveLength(1);
    });

    it("learns of changes through the watch, without waiting for the TTL", async () => {
      const agent = await ConsulEmulator.start();
      agents.push(agent);
      const owner = new ConsulRegistry({ address: agent.address });
      closers.push(owner);
      await owner.register(record("greeter", "1", "g1"));
      const requests = (): number => agent.requests.filter((r) => r.startsWith("GET /v1/health/service/greeter?passing=true") && !r.includes("index=")).length;
      const cache = cached(new ConsulRegistry({ address: agent.address }));
      expect(ids(await cache.getService("greeter"))).toEqual([["g1"]]);
      await owner.register(record("greeter", "1", "g2"));
      await waitUntil("g2 seen", async () => ids(await cache.getService("greeter"))[0]?.length === 2, 2000);
      await owner.deregister(record("greeter", "1", "g1"));
      await waitUntil("g1 gone", async () => JSON.stringify(ids(await cache.getService("greeter"))) === '[["g2"]]', 2000);
      // One plain lookup by the cache and one first query by its watch; the rest were blocking queries.
      expect(requests()).toBe(2);
    });
  });
});
