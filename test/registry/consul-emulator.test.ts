import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ConsulEmulator, type ConsulEmulatorOptions } from "../consul-emulator/consul-emulator.js";
import { parseGoDuration } from "../consul-emulator/go-duration.js";
import { sleep, waitUntil } from "./wait.js";

/** The emulator speaks plain HTTP: these tests pin its answers to Consul's documented shapes. */

const emulators: ConsulEmulator[] = [];
async function emulator(options?: ConsulEmulatorOptions): Promise<ConsulEmulator> {
  const started = await ConsulEmulator.start(options);
  emulators.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

/** One request on a fresh connection (no keep-alive: the emulator is stopped and restarted under it). */
function call(agent: ConsulEmulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string; json: any; index: number }>((resolve, reject) => {
    const request = httpRequest(`http://${agent.address}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const isJson = response.headers["content-type"]?.startsWith("application/json") === true && text !== "";
        resolve({ status: response.statusCode ?? 0, text, json: isJson ? JSON.parse(text) : undefined, index: Number(response.headers["x-consul-index"]) });
      });
    });
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const redis = {
  ID: "redis1",
  Name: "redis",
  Tags: ["primary", "v1"],
  Address: "127.0.0.1",
  Port: 8000,
  Meta: { redis_version: "4.0" },
  Check: { TTL: "10s", Status: "passing", DeregisterCriticalServiceAfter: "90m" },
};

describe("Consul agent emulator", () => {
  it("parses Go durations as Consul does", () => {
    expect(parseGoDuration("1s")).toBe(1000);
    expect(parseGoDuration("1m30s")).toBe(90_000);
    expect(parseGoDuration("1.5h")).toBe(5_400_000);
    expect(parseGoDuration("300ms")).toBe(300);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("10")).toBeUndefined();
    expect(parseGoDuration("1x")).toBeUndefined();
  });

  it("answers /v1/health/service with the documented entry shape and X-Consul-Index", async () => {
    const agent = await emulator();
    expect((await call(agent, "PUT", "/v1/agent/service/register", redis)).status).toBe(200);
    const health = await call(agent, "GET", "/v1/health/service/redis?passing=true");
    expect(health.status).toBe(200);
    expect(health.index).toBeGreaterThan(0);
    expect(health.json).toEqual([
      {
        Node: expect.objectContaining({ Node: "consul-emulator", Address: "127.0.0.1", Datacenter: "dc1" }),
        Service: expect.objectContaining({ ID: "redis1", Service: "redis", Tags: ["primary", "v1"], Address: "127.0.0.1", Port: 8000, Meta: { redis_version: "4.0" } }),
        Checks: [
          expect.objectContaining({ CheckID: "service:redis1", Name: "Service 'redis' check", Status: "passing", ServiceID: "redis1", ServiceName: "redis", ServiceTags: ["primary", "v1"] }),
          expect.objectContaining({ CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing", ServiceID: "" }),
        ],
      },
    ]);
    expect((await call(agent, "GET", "/v1/catalog/services")).json).toEqual({ consul: [], redis: ["primary", "v1"] });
  });

  it("starts TTL checks critical unless told otherwise, and filters them out with ?passing", async () => {
    const agent = await emulator();
    await call(agent, "PUT", "/v1/agent/service/register", { ...redis, Check: { TTL: "10s" } });
    expect((await call(agent, "GET", "/v1/health/service/redis?passing")).json).toEqual([]);
    expect((await call(agent, "GET", "/v1/health/service/redis")).json[0].Checks[0].Status).toBe("critical");
    expect((await call(agent, "PUT", "/v1/agent/check/pass/service:redis1")).status).toBe(200);
    expect((await call(agent, "GET", "/v1/health/service/redis?passing")).json).toHaveLength(1);
    await call(agent, "PUT", "/v1/agent/check/update/service:redis1", { Status: "warning", Output: "slow" });
    const [entry] = (await call(agent, "GET", "/v1/health/service/redis")).json;
    expect(entry.Checks[0]).toMatchObject({ Status: "warning", Output: "slow" });
    expect((await call(agent, "GET", "/v1/health/service/redis?passing")).json).toEqual([]);
  });

  it("turns a TTL check critical when its TTL passes, and reaps it after DeregisterCriticalServiceAfter", async () => {
    const agent = await emulator({ deregisterCriticalMinMs: 0 });
    await call(agent, "PUT", "/v1/agent/service/register", { ...redis, Check: { TTL: "200ms", Status: "passing", DeregisterCriticalServiceAfter: "300ms" } });
    await sleep(300);
    const [entry] = (await call(agent, "GET", "/v1/health/service/redis")).json;
    expect(entry.Checks[0]).toMatchObject({ Status: "critical", Output: "TTL expired" });
    await waitUntil("reaped", async () => (await call(agent, "GET", "/v1/health/service/redis")).json.length === 0, 2000);
    expect((await call(agent, "GET", "/v1/catalog/services")).json).toEqual({ consul: [] });
  });

  it("keeps Consul's 1-minute floor for DeregisterCriticalServiceAfter by default", async () => {
    const agent = await emulator();
    await call(agent, "PUT", "/v1/agent/service/register", { ...redis, Check: { TTL: "100ms", Status: "passing", DeregisterCriticalServiceAfter: "100ms" } });
    await sleep(400);
    expect((await call(agent, "GET", "/v1/health/service/redis")).json).toHaveLength(1);
  });

  it("blocks a query with ?index until the data changes or ?wait passes", async () => {
    const agent = await emulator();
    const first = await call(agent, "GET", "/v1/health/service/redis");
    const started = performance.now();
    const waiting = call(agent, "GET", `/v1/health/service/redis?index=${first.index}&wait=5s`);
    await sleep(100);
    await call(agent, "PUT", "/v1/agent/service/register", redis);
    const changed = await waiting;
    expect(changed.index).toBeGreaterThan(first.index);
    expect(changed.json).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2000);

    const timedOut = performance.now();
    const same = await call(agent, "GET", `/v1/health/service/redis?index=${changed.index}&wait=200ms`);
    expect(same.index).toBe(changed.index);
    expect(performance.now() - timedOut).toBeGreaterThanOrEqual(190);
  });

  it("does not move the index for a pass that changes nothing", async () => {
    const agent = await emulator();
    await call(agent, "PUT", "/v1/agent/service/register", redis);
    const before = (await call(agent, "GET", "/v1/health/service/redis")).index;
    await call(agent, "PUT", "/v1/agent/check/pass/service:redis1");
    await call(agent, "PUT", "/v1/agent/service/register", redis);
    expect((await call(agent, "GET", "/v1/health/service/redis")).index).toBe(before);
  });

  it("refuses what Consul refuses, with Consul's texts", async () => {
    const agent = await emulator();
    expect(await call(agent, "PUT", "/v1/agent/check/pass/service:nobody")).toMatchObject({
      status: 404,
      text: 'Unknown check ID "service:nobody". Ensure that the check ID is passed, not the check name.',
    });
    expect(await call(agent, "PUT", "/v1/agent/service/register", { ...redis, Meta: { "a.b": "x" } })).toMatchObject({
      status: 400,
      text: "Invalid Service Meta: Couldn't load metadata pair ('a.b', 'x'): Key contains invalid characters",
    });
    expect((await call(agent, "PUT", "/v1/agent/service/register", { ...redis, Check: { TTL: "ten" } })).status).toBe(400);
    expect(await call(agent, "GET", "/v1/health/service/redis?dc=elsewhere")).toMatchObject({ status: 500, text: "No path to datacenter" });
  });

  it("enforces ACLs: unknown tokens get 403 ACL not found, the anonymous token is denied writes and sees nothing", async () => {
    const agent = await emulator({ aclToken: "s3cret" });
    expect(await call(agent, "PUT", "/v1/agent/service/register", redis, { "X-Consul-Token": "wrong" })).toMatchObject({ status: 403, text: "ACL not found" });
    const anonymous = await call(agent, "PUT", "/v1/agent/service/register", redis);
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).toMatch(/^Permission denied: anonymous token lacks permission 'service:write' on "redis"/);
    expect((await call(agent, "PUT", "/v1/agent/service/register", redis, { "X-Consul-Token": "s3cret" })).status).toBe(200);
    expect((await call(agent, "GET", "/v1/health/service/redis")).json).toEqual([]);
    expect((await call(agent, "GET", "/v1/health/service/redis?token=s3cret")).json).toHaveLength(1);
    expect((await call(agent, "GET", "/v1/catalog/services", undefined, { Authorization: "Bearer s3cret" })).json).toHaveProperty("redis");
  });

  it("stops and restarts on the same port, keeping or dropping its state", async () => {
    const agent = await emulator();
    await call(agent, "PUT", "/v1/agent/service/register", redis);
    const address = agent.address;
    await agent.stop();
    await expect(call(agent, "GET", "/v1/catalog/services")).rejects.toThrow();
    await agent.start();
    expect(agent.address).toBe(address);
    expect((await call(agent, "GET", "/v1/catalog/services")).json).toHaveProperty("redis");
    const before = (await call(agent, "GET", "/v1/catalog/services")).index;
    await agent.restart({ keepState: false });
    const after = await call(agent, "GET", "/v1/catalog/services");
    expect(after.json).toEqual({ consul: [] });
    expect(after.index).toBeLessThan(before);
  });
});
