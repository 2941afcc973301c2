import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { closeRegistries, openRegistry, uniqueServiceType } from "./mdns-fixtures.js";
import { eventsOf, nextEvent, waitUntil } from "./wait.js";

const CHILD = fileURLToPath(new URL("./fixtures/mdns-child.ts", import.meta.url));
/** Starting Node with tsx takes a few hundred milliseconds; allow for a loaded machine. */
const CHILD_READY_TIMEOUT_MS = 8000;

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await closeRegistries();
});

/** Starts the child registry process and waits for its "ready" line. */
async function startChild(serviceType: string, nodeId: string, ttlMs: number) {
  const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", CHILD, serviceType, nodeId, String(ttlMs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (expected: string, timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`child did not print "${expected}" within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const line = await Promise.race([lines.next(), timeout]);
      expect(line.value).toBe(expected);
    } finally {
      clearTimeout(timer);
    }
  };
  await nextLine("ready", CHILD_READY_TIMEOUT_MS);
  return { child, nextLine };
}

describe("MdnsRegistry across processes", () => {
  it("finds a node of another process, and drops it once the TTL passes after the process is killed", async () => {
    const serviceType = uniqueServiceType();
    const ttlMs = 1500;
    const { child } = await startChild(serviceType, "child-1", ttlMs);
    const registry = openRegistry({ serviceType });
    const events = eventsOf(registry.watch());

    const [found] = await registry.getService("child-service");
    expect(found?.nodes).toEqual([{ id: "child-1", address: "127.0.0.1:45678", metadata: { pid: String(child.pid) } }]);
    expect(found?.endpoints[0]?.name).toBe("/child.Child/Ping");
    expect((await nextEvent(events, 1000)).type).toBe("create");

    child.kill("SIGKILL");
    const killedAt = performance.now();
    // No goodbye from a killed process: the node lives until its TTL runs out.
    const deleted = await nextEvent(events, ttlMs + 1500);
    expect(deleted).toMatchObject({ type: "delete", service: { nodes: [{ id: "child-1" }] } });
    expect(performance.now() - killedAt).toBeLessThan(ttlMs + 500);
    expect(await registry.getService("child-service")).toEqual([]);
  });

  it("drops a node at once when the other process deregisters (goodbye)", async () => {
    const serviceType = uniqueServiceType();
    // A TTL far longer than the wait below: only the goodbye can remove the node in time.
    const { child, nextLine } = await startChild(serviceType, "child-2", 30_000);
    const registry = openRegistry({ serviceType });
    expect((await registry.getService("child-service"))[0]?.nodes.map((n) => n.id)).toEqual(["child-2"]);
    const events = eventsOf(registry.watch());

    child.stdin!.write("deregister\n");
    await nextLine("deregistered", 2000);
    expect(await nextEvent(events, 1000)).toMatchObject({ type: "delete", service: { nodes: [{ id: "child-2" }] } });
    expect(await registry.getService("child-service")).toEqual([]);
    await waitUntil("child exits", () => child.exitCode !== null, 2000);
    expect(child.exitCode).toBe(0);
  });
});
