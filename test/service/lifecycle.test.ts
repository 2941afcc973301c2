import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import {
  Code,
  DEFAULT_DEREGISTER_DELAY_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  KledError,
  MemoryRegistry,
  MdnsRegistry,
  Service,
  silentLogger,
  type Registry,
} from "@kled/runtime";
import { deregisterDelayMs } from "../../runtime/src/service/deregister-delay.js";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";
import { waitUntil } from "../registry/wait.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

const services: Service[] = [];

function echoService(registry: MemoryRegistry, name = "echo"): Service {
  const service = new Service({ name, version: "1.2.3", registry, logger: silentLogger, metadata: { team: "core" } });
  registerEchoServiceHandler(service.server, new EchoHandler());
  services.push(service);
  return service;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
});

describe("Service", () => {
  test("start registers the node with its endpoints; stop deregisters it", async () => {
    const registry = new MemoryRegistry();
    const service = echoService(registry);
    await service.start();

    const [record] = await registry.getService("echo");
    expect(record?.version).toBe("1.2.3");
    expect(record?.metadata).toEqual({ team: "core" });
    expect(record?.nodes.map((node) => node.address)).toEqual([service.address]);
    expect(record?.nodes[0]?.metadata["pid"]).toBe(String(process.pid));
    expect(record?.endpoints).toContainEqual({
      name: "/kled.test.v1.EchoService/Echo",
      request: "kled.test.v1.EchoRequest",
      response: "kled.test.v1.EchoResponse",
      metadata: { kind: "unary", idempotency: "no-side-effects" },
    });
    expect(record?.endpoints.map((endpoint) => endpoint.metadata["kind"]).sort()).toEqual([
      "bidi_streaming",
      "client_streaming",
      "server_streaming",
      "unary",
    ]);

    await service.stop();
    expect(await registry.getService("echo")).toEqual([]);
    await service.stop(); // idempotent
  });

  test("another service calls it by name through the registry", async () => {
    const registry = new MemoryRegistry();
    await echoService(registry).start();
    const caller = new Service({ name: "caller", registry, logger: silentLogger });
    services.push(caller);
    const echo = createEchoServiceClient(caller.client, { service: "echo" });
    expect((await echo.echo({ text: "hi" })).text).toBe("hi");
  });

  test("stop drains an in-flight call, then refuses new ones", async () => {
    const registry = new MemoryRegistry();
    const service = echoService(registry);
    await service.start();
    const address = service.address;
    const caller = new Service({ name: "caller", registry, logger: silentLogger });
    services.push(caller);
    const echo = createEchoServiceClient(caller.client, { service: "echo" });

    const slow = echo.echo({ text: "slow", delayMs: 300 });
    await waitUntil("call in flight", () => service.server.inFlight === 1, 2_000);
    await service.stop();
    expect((await slow).text).toBe("slow");

    const direct = createEchoServiceClient(caller.client, { address: address ?? "" });
    const error = await direct.echo({ text: "late" }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KledError);
    expect((error as KledError).code).toBe(Code.Unavailable);
  });

  test("beforeStop hooks run after deregistration and before the drain", async () => {
    const registry = new MemoryRegistry();
    const service = echoService(registry);
    await service.start();
    const caller = new Service({ name: "caller", registry, logger: silentLogger });
    services.push(caller);
    const echo = createEchoServiceClient(caller.client, { service: "echo" });
    const slow = echo.echo({ text: "slow", delayMs: 300 });
    await waitUntil("call in flight", () => service.server.inFlight === 1, 2_000);

    const seen: string[] = [];
    service
      .beforeStop(async () => {
        seen.push(`registered=${(await registry.getService("echo")).length} inFlight=${service.server.inFlight}`);
      })
      .beforeStop(() => {
        throw new Error("hook failure is logged, not fatal");
      });
    await service.stop();
    expect(seen).toEqual(["registered=0 inFlight=1"]);
    expect((await slow).text).toBe("slow");
  });

  test("keeps serving for deregisterDelayMs after deregistering, then stops accepting and drains in what remains of the grace", async () => {
    const registry = new MemoryRegistry();
    const service = new Service({ name: "echo", registry, logger: silentLogger, deregisterDelayMs: 400 });
    registerEchoServiceHandler(service.server, new EchoHandler());
    services.push(service);
    await service.start();
    const events: string[] = [];
    const deregister = registry.deregister.bind(registry);
    registry.deregister = async (record) => {
      await deregister(record);
      events.push("deregistered");
    };
    const shutdown = service.server.shutdown.bind(service.server);
    service.server.shutdown = (graceMs) => {
      events.push(`shutdown ${graceMs}`);
      return shutdown(graceMs);
    };
    const caller = new Service({ name: "caller", registry: new MemoryRegistry(), logger: silentLogger });
    services.push(caller);
    const direct = createEchoServiceClient(caller.client, { address: service.address ?? "" });

    const stopping = service.stop();
    await waitUntil("deregistered", () => events.includes("deregistered"), 2_000);
    // A peer that has not yet heard of the deregistration still gets served.
    expect((await direct.echo({ text: "during the delay" }, { timeoutMs: 2_000 })).text).toBe("during the delay");
    events.push("served during the delay");
    await stopping;
    expect(events).toEqual(["deregistered", "served during the delay", expect.stringMatching(/^shutdown \d+$/)]);
    const graceLeft = Number(events[2]!.split(" ")[1]);
    expect(graceLeft).toBeLessThanOrEqual(DEFAULT_SHUTDOWN_GRACE_MS - 390); // the delay counts against the grace
    expect(graceLeft).toBeGreaterThan(0);
    const error = await direct.echo({ text: "late" }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect((error as KledError).code).toBe(Code.Unavailable);
  });

  test("on a MemoryRegistry, no deregister delay unless asked; KLED_DEREGISTER_DELAY_MS or the 3 s default (at most half the grace) elsewhere", async () => {
    const registry = new MemoryRegistry();
    const service = echoService(registry);
    await service.start();
    const grace: (number | undefined)[] = [];
    const shutdown = service.server.shutdown.bind(service.server);
    service.server.shutdown = (graceMs) => {
      grace.push(graceMs);
      return shutdown(graceMs);
    };
    await service.stop();
    expect(grace).toEqual([DEFAULT_SHUTDOWN_GRACE_MS]);

    const mdns = { name: "mdns" } as Registry;
    expect(deregisterDelayMs("x", undefined, mdns, 10_000, {})).toBe(DEFAULT_DEREGISTER_DELAY_MS);
    expect(deregisterDelayMs("x", undefined, mdns, 2_000, {})).toBe(1_000); // half the grace stays for the drain
    expect(DEFAULT_DEREGISTER_DELAY_MS).toBe(3_000);
    expect(deregisterDelayMs("x", undefined, mdns, 10_000, { KLED_DEREGISTER_DELAY_MS: "0" })).toBe(0);
    expect(deregisterDelayMs("x", 250, mdns, 10_000, { KLED_DEREGISTER_DELAY_MS: "0" })).toBe(250);
    expect(() => deregisterDelayMs("x", undefined, mdns, 10_000, { KLED_DEREGISTER_DELAY_MS: "2s" })).toThrow(
      'service x: KLED_DEREGISTER_DELAY_MS is "2s"; give whole milliseconds, 0 for no delay',
    );
    expect(() => new Service({ name: "x", registry, deregisterDelayMs: -1 })).toThrow("service x: deregisterDelayMs is \"-1\"");
  });

  test("rejects a refresh interval that is not below the TTL", () => {
    expect(
      () => new Service({ name: "x", registry: new MemoryRegistry(), registerTtlMs: 1_000, registerIntervalMs: 1_000 }),
    ).toThrow(/registerIntervalMs \(1000\) must be positive and below registerTtlMs \(1000\)/);
  });

  test("rejects a name that cannot be registered", () => {
    expect(() => new Service({ name: "bad name", registry: new MemoryRegistry() })).toThrow(/service name "bad name"/);
  });
});

describe("Service.run in its own process", () => {
  test("SIGTERM deregisters first, serves through the deregister delay, drains the in-flight call, then exits 0", async () => {
    const serviceType = uniqueServiceType();
    const script = fileURLToPath(new URL("./fixtures/echo-service.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--conditions=kled:source", "--import", "tsx", script, serviceType, "lifecycle-echo"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = once(child, "exit");
    const lines: string[] = [];
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => lines.push(...chunk.trim().split("\n")));
    const registry = new MdnsRegistry({ serviceType });
    try {
      await waitUntil("child ready", () => lines.some((line) => line.startsWith("ready ")), 15_000);
      const address = lines.find((line) => line.startsWith("ready "))?.slice("ready ".length);
      await waitUntil("child registered", async () => (await registry.getService("lifecycle-echo")).length > 0, 5_000);

      const caller = new Service({ name: "caller", registry: new MemoryRegistry(), logger: silentLogger });
      services.push(caller);
      const echo = createEchoServiceClient(caller.client, { address: address ?? "" });
      const slow = echo.echo({ text: "drained", delayMs: 1_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      child.kill("SIGTERM");

      // Deregistration comes before the drain: the node leaves the registry
      // while the slow call is still running.
      const leftAfter = await waitUntil(
        "node left the registry",
        async () => (await registry.getService("lifecycle-echo")).length === 0,
        2_000,
      );
      expect(leftAfter).toBeLessThan(1_000);
      // Gone from the registry, yet still serving for its deregister delay.
      expect((await echo.echo({ text: "after the goodbye" }, { timeoutMs: 2_000 })).text).toBe("after the goodbye");
      expect((await slow).text).toBe("drained");
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(lines).toContain("stopped");
    } finally {
      child.kill("SIGKILL");
      await registry.close();
    }
  });
});
