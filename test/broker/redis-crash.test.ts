import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { RedisBroker } from "@kled/runtime/redis";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { waitUntil } from "../registry/wait.js";
import { requireRedis } from "../support/services.js";
import { inspector, pendingByConsumer, pendingCount, uniqueTopic } from "./support/topics.js";

const redis = await requireRedis();

const SUBSCRIBER = fileURLToPath(new URL("./fixtures/group-subscriber.ts", import.meta.url));
/** Starting Node with tsx takes a few hundred milliseconds; allow for a loaded machine. */
const CHILD_READY_TIMEOUT_MS = 10_000;
const MESSAGES = 3000;
const CLAIM_IDLE_MS = 500;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts a group subscriber process and waits for its "ready" line. */
async function startSubscriber(topic: string, handlerDelayMs: number, concurrency: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=kled:source", "--import", "tsx", SUBSCRIBER, redis.url, topic, "workers", String(CLAIM_IDLE_MS), String(handlerDelayMs), String(concurrency)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`subscriber did not print "ready" within ${CHILD_READY_TIMEOUT_MS} ms`)), CHILD_READY_TIMEOUT_MS);
  });
  try {
    const line = await Promise.race([lines.next(), timeout]);
    expect(line.value).toBe("ready");
  } finally {
    clearTimeout(timer);
  }
  return child;
}

describe.skipIf(redis.skip !== undefined)("RedisBroker with a subscriber process killed mid-run", () => {
  it("has every message handled at least once: the survivor takes over what the dead one had pending", { timeout: 90_000 }, async () => {
    const topic = uniqueTopic("crash");
    const look = inspector(redis.url);
    look.forget(topic.name, `${topic.name}:dlq`, `${topic.name}:handled`, `${topic.name}:runs`);
    cleanups.push(() => look.cleanup());

    // Slow handlers, so that the run lasts and the victim has messages pending when it dies.
    const victim = await startSubscriber(topic.name, 3, 4);
    const survivor = await startSubscriber(topic.name, 3, 4);

    const publisher = new RedisBroker({ url: redis.url, logger: silentLogger });
    cleanups.push(() => publisher.close());
    const published = await Promise.all(Array.from({ length: MESSAGES }, (_, i) => publisher.publish(topic, { sequence: BigInt(i) })));
    expect(new Set(published).size).toBe(MESSAGES);

    await waitUntil("a third handled", async () => (await look.scard(`${topic.name}:handled`)) >= MESSAGES / 3, 20_000);
    victim.kill("SIGKILL");
    await waitUntil("victim gone", () => victim.exitCode !== null || victim.signalCode !== null, 5000);
    const pendingAtDeath = await pendingByConsumer(look, topic.name, "workers");
    const handledAtDeath = await look.scard(`${topic.name}:handled`);
    expect(handledAtDeath).toBeLessThan(MESSAGES);

    await waitUntil("every message handled", async () => (await look.scard(`${topic.name}:handled`)) === MESSAGES, 30_000);
    await waitUntil("nothing pending", async () => (await pendingCount(look, topic.name, "workers")) === 0, 5000);
    const handled = await look.smembers(`${topic.name}:handled`);
    expect(handled.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
    expect(await look.xlen(`${topic.name}:dlq`)).toBe(0);

    // The scenario really happened: both worked, and the victim died holding messages the survivor took over.
    // Consumer names are hostname-pid-random.
    const victimName = [...pendingAtDeath.keys()].find((name) => name.includes(`-${victim.pid}-`));
    expect(victimName, `no pending messages of the victim in ${JSON.stringify([...pendingAtDeath])}`).toBeDefined();
    expect(pendingAtDeath.get(victimName!)).toBeGreaterThan(0);
    expect((await pendingByConsumer(look, topic.name, "workers")).size).toBe(0);
    const runs = Number(await look.get(`${topic.name}:runs`));
    expect(runs).toBeGreaterThanOrEqual(MESSAGES);
    expect(survivor.exitCode).toBeNull();
  });
});

