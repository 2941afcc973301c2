import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  Code,
  KledClient,
  KledError,
  KledServer,
  MdnsRegistry,
  MemoryRegistry,
  silentLogger,
  type Registry,
  type ServiceRecord,
} from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/call-once.ts", import.meta.url));
/** Node with tsx starts in a few hundred ms; a process that hangs never exits. Allow for a loaded machine. */
const SCRIPT_EXIT_TIMEOUT_MS = 15_000;
const ECHO = "kled.test.v1.EchoService";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startEcho(): Promise<string> {
  const server = new KledServer({ logger: silentLogger });
  registerEchoServiceHandler(server, new EchoHandler());
  const address = await server.listen();
  cleanups.push(() => server.shutdown(0));
  return address;
}

function record(address: string): ServiceRecord {
  return { name: ECHO, version: "1", metadata: {}, endpoints: [], nodes: [{ id: `echo-${address}`, address, metadata: {} }] };
}

/** A registry that counts lookups and can be made slow. */
class CountingRegistry extends MemoryRegistry {
  lookups = 0;
  delayMs = 0;
  override async getService(name: string): Promise<ServiceRecord[]> {
    this.lookups++;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.getService(name);
  }
}

describe("KledClient for client-only processes", () => {
  it("caches lookups by default: one registry lookup for many calls", async () => {
    const registry = new CountingRegistry();
    cleanups.push(() => registry.close());
    await registry.register(record(await startEcho()));
    const client = new KledClient({ registry });
    cleanups.push(() => client.close());
    const echo = createEchoServiceClient(client);
    for (let i = 0; i < 5; i++) expect((await echo.echo({ text: `n${i}` })).text).toBe(`n${i}`);
    expect(registry.lookups).toBe(1);

    const uncached = new KledClient({ registry, registryCache: false });
    cleanups.push(() => uncached.close());
    const echoUncached = createEchoServiceClient(uncached);
    for (let i = 0; i < 3; i++) await echoUncached.echo({ text: "x" });
    expect(registry.lookups).toBe(4);
  });

  it("counts a slow lookup against the deadline and says where the time went", async () => {
    const registry = new CountingRegistry();
    registry.delayMs = 2_000;
    cleanups.push(() => registry.close());
    await registry.register(record(await startEcho()));
    const client = new KledClient({ registry, resilience: false });
    cleanups.push(() => client.close());
    const started = performance.now();
    const failure = await createEchoServiceClient(client)
      .echo({ text: "late" }, { timeoutMs: 200 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KledError);
    expect((failure as KledError).code).toBe(Code.DeadlineExceeded);
    expect((failure as KledError).rawMessage).toMatch(/^no node of "kled\.test\.v1\.EchoService" found in the memory registry within \d+ ms/);
    // Failed at the deadline, not after the lookup's 2 s.
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("leaves a registry it was given open, and closes one it opened from a spec", async () => {
    const given = new CountingRegistry();
    cleanups.push(() => given.close());
    const client = new KledClient({ registry: given });
    await client.close();
    await given.register(record("127.0.0.1:1"));
    expect(await given.getService(ECHO)).toHaveLength(1);
  });

  it("a script that calls through mDNS and closes its client exits by itself", async () => {
    const serviceType = uniqueServiceType();
    const registry: Registry = new MdnsRegistry({ serviceType });
    cleanups.push(() => registry.close());
    await registry.register(record(await startEcho()));

    const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", SCRIPT], {
      env: { ...process.env, KLED_MDNS_SERVICE_TYPE: serviceType },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const timer = setTimeout(() => child.kill("SIGKILL"), SCRIPT_EXIT_TIMEOUT_MS);
    const code = await exit;
    clearTimeout(timer);
    expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: "from a script", stderr: "" });
  });
});
