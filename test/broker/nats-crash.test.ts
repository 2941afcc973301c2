import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { NatsBroker } from "@kled/runtime/nats";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { waitUntil } from "../registry/wait.js";
import { requireNats } from "../support/services.js";
import { deleteNatsStreams } from "./support/nats-streams.js";
import { uniqueTopic } from "./support/topics.js";

const nats = await requireNats();

const SUBSCRIBER = fileURLToPath(new URL("./fixtures/nats-hanging-subscriber.ts", import.meta.url));
/** The crashed process's message comes back after this; short for the test. */
const ACK_WAIT_MS = 1_000;
/** Starting Node with tsx takes a few hundred milliseconds; allow for a loaded machine. */
const START_MS = 30_000;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(nats.skip !== undefined)("NatsBroker with a subscriber process killed mid-handler", () => {
  it("delivers the killed process's message to the group's other member after the ack wait", { timeout: 60_000 }, async () => {
    const topic = uniqueTopic("nats-crash");
    cleanups.push(() => deleteNatsStreams(nats.url, [topic]));
    const broker = new NatsBroker({ url: nats.url, ackWaitMs: ACK_WAIT_MS, logger: silentLogger, drainTimeoutMs: 2_000 });
    cleanups.push(() => broker.close());

    const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", SUBSCRIBER, nats.url, topic.name, "workers", String(ACK_WAIT_MS)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitUntil("the subscriber process is ready", () => output.includes("ready\n"), START_MS);

    const id = await broker.publish(topic, { sequence: 1n });
    await waitUntil("taken by the subscriber process", () => output.includes("took 1\n"), 10_000);
    child.kill("SIGKILL");

    const handled: { id: string; count: number }[] = [];
    await broker.subscribe(topic, (_event, delivery) => void handled.push({ id: delivery.id, count: delivery.deliveryCount }), { group: "workers" });
    await waitUntil("delivered to the surviving member", () => handled.length === 1, 15_000);
    expect(handled).toEqual([{ id, count: 2 }]);
  });
});
