import { createSocket } from "node:dgram";
import makeMdns from "multicast-dns";
import { afterEach, describe, expect, it } from "vitest";
import type { Endpoint } from "../../runtime/src/registry/registry.js";
import { closeRegistries, openRegistry, record, uniqueServiceType } from "./mdns-fixtures.js";
import { eventsOf, nextEvent, waitUntil } from "./wait.js";

afterEach(closeRegistries);

describe("MdnsRegistry in one process", () => {
  it("finds the nodes of another registry, with their whole record", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    const client = openRegistry({ serviceType });
    await server.register(record("greeter", "g1"));
    await server.register(record("echo", "e1", "[::1]:7000"));

    const found = await client.getService("greeter");
    expect(found).toEqual([record("greeter", "g1")]);
    const listed = await client.listServices();
    expect(listed.map((s) => `${s.name}:${s.nodes.map((n) => n.address).join()}`).sort()).toEqual([
      "echo:[::1]:7000",
      "greeter:127.0.0.1:50051",
    ]);
    expect(await client.getService("nobody")).toEqual([]);
  });

  it("merges the nodes of several registries into one record per version", async () => {
    const serviceType = uniqueServiceType();
    const a = openRegistry({ serviceType });
    const b = openRegistry({ serviceType });
    const client = openRegistry({ serviceType });
    await a.register(record("greeter", "g1"));
    await b.register(record("greeter", "g2", "127.0.0.1:50052"));
    const [greeter, ...rest] = await client.getService("greeter");
    expect(rest).toEqual([]);
    expect(greeter?.nodes.map((n) => n.id)).toEqual(["g1", "g2"]);
  });

  it("works on the loopback interface alone", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType, interface: "127.0.0.1" });
    const client = openRegistry({ serviceType, interface: "127.0.0.1" });
    await server.register(record("greeter", "g1"));
    expect((await client.getService("greeter"))[0]?.nodes.map((n) => n.id)).toEqual(["g1"]);
  });

  it("does not see registries of another service type", async () => {
    const server = openRegistry({ serviceType: uniqueServiceType() });
    const client = openRegistry({ serviceType: uniqueServiceType() });
    await server.register(record("greeter", "g1"));
    expect(await client.getService("greeter")).toEqual([]);
  });

  it("tells watchers of announcements, changes and goodbyes as they happen", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    const client = openRegistry({ serviceType });
    const events = eventsOf(client.watch({ service: "greeter" }));

    await server.register(record("echo", "e1"));
    await server.register(record("greeter", "g1"));
    expect(await nextEvent(events, 1000)).toMatchObject({ type: "create", service: { name: "greeter", nodes: [{ id: "g1" }] } });

    await server.register(record("greeter", "g1", "127.0.0.1:6000"));
    expect(await nextEvent(events, 1000)).toMatchObject({ type: "update", service: { nodes: [{ address: "127.0.0.1:6000" }] } });

    await server.deregister(record("greeter", "g1"));
    expect(await nextEvent(events, 1000)).toMatchObject({ type: "delete", service: { nodes: [{ id: "g1" }] } });
    expect(await client.getService("greeter")).toEqual([]);
  });

  it("drops a node that is not refreshed within its TTL", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    const client = openRegistry({ serviceType, queryTimeoutMs: 50 });
    const events = eventsOf(client.watch());
    await server.register(record("greeter", "g1"), { ttlMs: 600 });
    expect((await client.getService("greeter"))[0]?.nodes).toHaveLength(1);
    expect((await nextEvent(events, 1000)).type).toBe("create");
    // Nobody refreshes: the server stops answering and the client's cache expires.
    expect(await nextEvent(events, 2000)).toMatchObject({ type: "delete", service: { nodes: [{ id: "g1" }] } });
    expect(await client.getService("greeter")).toEqual([]);
  });

  it("chunks and compresses a large record into TXT strings", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    const client = openRegistry({ serviceType });
    const big = record("kled.mcp.v1.McpService", "mcp-1");
    big.endpoints = Array.from({ length: 40 }, (_, i): Endpoint => ({
      name: `/kled.mcp.v1.McpService/Method${i}`,
      request: `kled.mcp.v1.Method${i}Request`,
      response: `kled.mcp.v1.Method${i}Response`,
      metadata: { kind: "unary", idempotency: "no-side-effects", "émoji": "✓" },
    }));
    await server.register(big);
    expect(await client.getService("kled.mcp.v1.McpService")).toEqual([big]);
  });

  it("refuses a record too large for one mDNS packet, naming the service", async () => {
    const registry = openRegistry({ serviceType: uniqueServiceType() });
    const huge = record("huge", "h1");
    // Random bytes do not compress: 12 KB stays over the 9000-byte packet limit.
    huge.metadata = { blob: Buffer.from(Array.from({ length: 9000 }, () => Math.floor(Math.random() * 256))).toString("base64") };
    await expect(registry.register(huge)).rejects.toThrow(/service "huge" needs a \d+-byte mDNS packet, over the 9000-byte limit/);
    await expect(registry.register(record("bad", "b1", "no-port"))).rejects.toThrow(
      'node address "no-port" of service "bad" is not "host:port"',
    );
  });

  it("ignores garbage and foreign packets and keeps working", async () => {
    const serviceType = uniqueServiceType();
    const domainType = `${serviceType}.local`;
    const client = openRegistry({ serviceType });
    const server = openRegistry({ serviceType });
    const watcher = eventsOf(client.watch());
    // Raw bytes that are not DNS at all, then well-formed DNS with bad Kled records.
    const raw = createSocket({ type: "udp4", reuseAddr: true });
    const sendRaw = (bytes: Buffer) =>
      new Promise<void>((resolve, reject) => raw.send(bytes, 5353, "224.0.0.251", (e) => (e ? reject(e) : resolve())));
    const peer = makeMdns({ bind: "0.0.0.0", reuseAddr: true });
    const respond = (answers: Parameters<typeof peer.respond>[0]) =>
      new Promise<void>((resolve, reject) => peer.respond(answers, (e) => (e ? reject(e) : resolve())));
    const txt = (...strings: string[]) => [{ name: `x.${domainType}`, type: "TXT" as const, ttl: 60, data: strings.map((s) => Buffer.from(s)) }];
    try {
      await sendRaw(Buffer.from("definitely not DNS"));
      await sendRaw(Buffer.alloc(512, 0xff));
      await respond(txt("kled=1", "enc=json", "d0={not json"));
      await respond(txt("kled=1", "enc=deflate", "d0=garbage"));
      await respond(txt("kled=1", "enc=json", 'd0={"name":"x","version":1}'));
      await respond(txt("kled=1", "enc=json", 'd0={"name":"x","version":"1","metadata":{},"endpoints":[],"node":{"id":"n"},"ttlMs":1}'));
      await respond(txt("unrelated=txt"));
      await respond([{ name: `x.${domainType}`, type: "SRV", ttl: 60, data: { port: 1, target: "x.local" } }]);
      peer.query({ questions: [{ name: domainType, type: "ANY" as "PTR" }] });
    } finally {
      raw.close();
      await new Promise<void>((resolve) => peer.destroy(resolve));
    }
    await server.register(record("greeter", "g1"));
    expect(await nextEvent(watcher, 1000)).toMatchObject({ type: "create", service: { name: "greeter" } });
    expect((await client.listServices()).map((s) => s.name)).toEqual(["greeter"]);
  });

  it("says goodbye for its nodes on close() and then refuses to work", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    const client = openRegistry({ serviceType });
    await server.register(record("greeter", "g1"));
    expect(await client.getService("greeter")).toHaveLength(1);
    const serverWatcher = server.watch();
    await server.close();
    expect(await eventsOf(serverWatcher).next()).toMatchObject({ done: true });
    await waitUntil("goodbye heard", async () => (await client.getService("greeter")).length === 0, 1000);
    await expect(server.register(record("greeter", "g1"))).rejects.toThrow('registry "mdns": closed');
    await server.close(); // idempotent
  });

  it("reports a port it cannot bind, naming it", async () => {
    const holder = createSocket({ type: "udp4", reuseAddr: false });
    const port = await new Promise<number>((resolve) => holder.bind(0, "0.0.0.0", () => resolve(holder.address().port)));
    try {
      const registry = openRegistry({ serviceType: uniqueServiceType(), port });
      await expect(registry.getService("greeter")).rejects.toThrow(`registry "mdns": cannot bind UDP 0.0.0.0:${port} (EADDRINUSE)`);
    } finally {
      holder.close();
    }
  });

  it("answers a lookup as soon as a node of the service answers, not after the whole query timeout", async () => {
    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    await server.register(record("quick", "quick-1"));
    // A query timeout far above how long a loopback answer takes.
    const queryTimeoutMs = 10_000;
    const client = openRegistry({ serviceType, queryTimeoutMs });
    const started = performance.now();
    const [found] = await client.getService("quick");
    expect(found?.nodes.map((node) => node.id)).toEqual(["quick-1"]);
    expect(performance.now() - started).toBeLessThan(queryTimeoutMs / 2);
  });

  it("rejects invalid options, naming the value", () => {
    expect(() => openRegistry({ serviceType: "kled" })).toThrow('serviceType "kled" is invalid');
    expect(() => openRegistry({ port: 70_000 })).toThrow("port 70000 is invalid");
  });
});
