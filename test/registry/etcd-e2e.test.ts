import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, createRegistry, KledClient, KledError, Service, silentLogger } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { type EtcdCluster, requireEtcd, startEtcd } from "../support/etcd.js";
import { waitUntil } from "./wait.js";

const availability = requireEtcd();
const CHILD = fileURLToPath(new URL("./fixtures/etcd-child.ts", import.meta.url));
/** Node with tsx starts in a few hundred ms; a process that hangs never exits. Allow for a loaded machine. */
const CHILD_EXIT_TIMEOUT_MS = 20_000;

let cluster: EtcdCluster;
beforeAll(async () => {
  if (!availability.skip) cluster = await startEtcd();
});
afterAll(async () => {
  await cluster?.stop();
});

describe.skipIf(availability.skip)("etcd end to end", () => {
  it("a Service registered in etcd is called by a KledClient({ registry: \"etcd://…\" }), and gone once stopped", async () => {
    const spec = `etcd://${cluster.endpoints}?prefix=/kled-e2e/`;
    const registry = createRegistry(spec);
    const service = new Service({ name: "etcd-echo", version: "1.0.0", registry, logger: silentLogger, metadata: { team: "core" } });
    registerEchoServiceHandler(service.server, new EchoHandler());
    const client = new KledClient({ registry: spec });
    try {
      await service.start();
      const [record] = await registry.getService("etcd-echo");
      expect(record).toMatchObject({ version: "1.0.0", metadata: { team: "core" }, nodes: [{ address: service.address }] });
      expect(record?.endpoints.map((endpoint) => endpoint.name)).toContain("/kled.test.v1.EchoService/Echo");

      const echo = createEchoServiceClient(client, { service: "etcd-echo" });
      expect((await echo.echo({ text: "over etcd" })).text).toBe("over etcd");

      await service.stop();
      expect(await registry.getService("etcd-echo")).toEqual([]);
      // The client's cache follows the watch: no node left to call.
      await waitUntil("the client sees no node", async () => {
        const error = await echo.echo({ text: "late" }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        return error instanceof KledError && error.code === Code.Unavailable;
      }, 15_000, 100);
    } finally {
      await service.stop();
      await client.close();
      await registry.close();
    }
  });

  it("a process exits by itself once it has closed its EtcdRegistry (leases revoked, connections released)", async () => {
    const child = spawn(
      process.execPath,
      ["--conditions=kled:source", "--import", "tsx", CHILD, cluster.endpoints, "/kled-exit/", "exit-1", "5000", "close"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_EXIT_TIMEOUT_MS);
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    expect({ code, signal, output }).toEqual({ code: 0, signal: null, output: "ready\nclosed\n" });
    // close() revoked the lease: the node is gone now, not after its 5 s TTL.
    const registry = createRegistry(`etcd://${cluster.endpoints}?prefix=/kled-exit/`);
    expect(await registry.getService("child-service")).toEqual([]);
    await registry.close();
  });
});
