import { afterEach, describe, expect, it } from "vitest";
import { NatsBroker } from "@kled/runtime/nats";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { sleep, waitUntil } from "../registry/wait.js";
import { requireService } from "../support/services.js";
import { OwnNatsServer } from "./support/nats-server.js";
import { uniqueTopic } from "./support/topics.js";

// This test restarts NATS, so it runs its own nats-server (JetStream, file
// store in a directory of its own) on an ephemeral port rather than the
// shared one.
const server = await requireService("nats-server", "nats-server on an ephemeral port", async () => {
  const reason = OwnNatsServer.unavailable();
  if (reason !== undefined) throw new Error(reason);
});

const MESSAGES = 2000;
/** Publishing paces itself over about three seconds, so that the restart lands in the middle. */
const CHUNK = 10;
const CHUNK_PAUSE_MS = 15;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(server.skip !== undefined)("NatsBroker across a NATS restart", () => {
  it("consumes every message whose publish was acknowledged; subscribers resume by themselves", { timeout: 120_000 }, async () => {
    const nats = await OwnNatsServer.start();
    cleanups.push(() => nats.close());
    const options = { url: nats.url, logger: silentLogger, ackWaitMs: 2_000, retryDelayMs: 50, drainTimeoutMs: 5_000 };
    const consumer = new NatsBroker(options);
    const publisher = new NatsBroker(options);
    cleanups.push(() => consumer.close(), () => publisher.close());
    const topic = uniqueTopic("nats-restart");

    // Handlers slower than the publisher, so that a backlog of acknowledged but unconsumed
    // messages sits in JetStream when it goes down: those are what its store must keep.
    const byGroup = new Set<bigint>();
    const byFanout = new Set<bigint>();
    await consumer.subscribe(
      topic,
      async (event) => {
        await sleep(10);
        byGroup.add(event.sequence);
      },
      { group: "workers", concurrency: 4 },
    );
    await consumer.subscribe(topic, async (event) => {
      await sleep(2);
      byFanout.add(event.sequence);
    });

    const acknowledged = new Set<bigint>();
    let failed = 0;
    let restarted = false;
    let acknowledgedBeforeRestart = 0;
    let backlogAtRestart = { group: 0, fanout: 0 };
    const restart = (async () => {
      await waitUntil("a quarter published", () => acknowledged.size >= MESSAGES / 4, 20_000);
      acknowledgedBeforeRestart = acknowledged.size;
      backlogAtRestart = { group: acknowledged.size - byGroup.size, fanout: acknowledged.size - byFanout.size };
      await nats.restart(300);
      restarted = true;
    })();
    for (let start = 0; start < MESSAGES; start += CHUNK) {
      await Promise.all(
        Array.from({ length: CHUNK }, async (_, i) => {
          const sequence = BigInt(start + i);
          try {
            await publisher.publish(topic, { sequence });
            acknowledged.add(sequence);
          } catch {
            failed++;
          }
        }),
      );
      await sleep(CHUNK_PAUSE_MS);
    }
    await restart;
    expect(restarted).toBe(true);
    expect(acknowledgedBeforeRestart).toBeGreaterThan(0);
    expect(acknowledged.size).toBeGreaterThan(acknowledgedBeforeRestart);
    expect(backlogAtRestart.group).toBeGreaterThan(50);

    const missing = (seen: Set<bigint>) => [...acknowledged].filter((sequence) => !seen.has(sequence));
    await waitUntil("every acknowledged message consumed by the group", () => missing(byGroup).length === 0, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(byGroup).length}: ${missing(byGroup).slice(0, 10).join(", ")}…`);
    });
    await waitUntil("… and by the subscriber without a group", () => missing(byFanout).length === 0, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(byFanout).length}: ${missing(byFanout).slice(0, 10).join(", ")}…`);
    });
    expect(acknowledged.size + failed).toBe(MESSAGES);
    process.stderr.write(
      `nats restart: ${acknowledged.size} acknowledged (${acknowledgedBeforeRestart} before the restart, ${failed} publishes failed); backlog at the restart: group ${backlogAtRestart.group}, fan-out ${backlogAtRestart.fanout}; all consumed\n`,
    );
  });
});
