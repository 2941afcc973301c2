import { afterEach, describe, expect, it } from "vitest";
import { RedisBroker } from "@kled/runtime/redis";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { sleep, waitUntil } from "../registry/wait.js";
import { OwnRedisServer } from "./support/redis-server.js";
import { requireService } from "../support/services.js";
import { uniqueTopic } from "./support/topics.js";

// This test restarts Redis, so it runs its own redis-server on an ephemeral
// port rather than the shared one. That server persists every write before
// acknowledging it (AOF, fsync always): "every acknowledged message is
// consumed" is only a promise Redis can keep with persistence. Without it
// (as the shared Redis runs), a restart loses the streams, groups and all.
const server = await requireService("redis-server", "redis-server on an ephemeral port", async () => {
  const reason = OwnRedisServer.unavailable();
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

describe.skipIf(server.skip !== undefined)("RedisBroker across a Redis restart", () => {
  it("consumes every message whose publish was acknowledged; subscribers resume by themselves", { timeout: 90_000 }, async () => {
    const redis = await OwnRedisServer.start();
    cleanups.push(() => redis.close());
    const options = { url: redis.url, logger: silentLogger, claimIdleMs: 1000, claimIntervalMs: 250, drainTimeoutMs: 5000 };
    const consumer = new RedisBroker(options);
    const publisher = new RedisBroker(options);
    cleanups.push(() => consumer.close(), () => publisher.close());
    const topic = uniqueTopic("restart");

    // Handlers slower than the publisher, so that a backlog of acknowledged but unconsumed
    // messages sits in Redis when it goes down: those are what persistence must keep.
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
      await waitUntil("a quarter published", () => acknowledged.size >= MESSAGES / 4, 10_000);
      acknowledgedBeforeRestart = acknowledged.size;
      backlogAtRestart = { group: acknowledged.size - byGroup.size, fanout: acknowledged.size - byFanout.size };
      await redis.restart(300);
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
    expect(backlogAtRestart.fanout).toBeGreaterThan(50);

    const missing = (seen: Set<bigint>) => [...acknowledged].filter((sequence) => !seen.has(sequence));
    await waitUntil("every acknowledged message consumed by the group", () => missing(byGroup).length === 0, 15_000).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(byGroup).length}: ${missing(byGroup).slice(0, 10).join(", ")}…`);
    });
    await waitUntil("… and by the subscriber without a group", () => missing(byFanout).length === 0, 15_000).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(byFanout).length}: ${missing(byFanout).slice(0, 10).join(", ")}…`);
    });
    expect(acknowledged.size + failed).toBe(MESSAGES);
  });
});
