/**
 * A policy watcher whose subscription connection is killed: pub/sub drops
 * what was published meanwhile, so the watcher must reload once it is back
 * (a change may have been missed) and must hear later changes again.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "@kled/runtime";
import { RedisWatcher } from "@kled/runtime/redis";
import { waitUntil } from "../registry/wait.js";
import { requireRedis } from "../support/services.js";

const redis = await requireRedis();

describe.skipIf(redis.skip !== undefined)("RedisWatcher across a lost connection", () => {
  const admin = new Redis(redis.url, { lazyConnect: true });
  const watchers: RedisWatcher[] = [];
  afterAll(async () => {
    await Promise.all(watchers.map((watcher) => watcher.close()));
    admin.disconnect();
  });

  it("reloads after its subscription comes back, and hears changes announced after that", async () => {
    const suffix = randomBytes(4).toString("hex");
    const channel = `kled:test:policy:${suffix}`;
    // A connection name of its own, so that this test kills only this watcher's subscriber.
    const name = `kled-test-watcher-${suffix}`;
    const announcer = await RedisWatcher.open({ url: redis.url, channel, logger: silentLogger });
    const listener = await RedisWatcher.open({ url: redis.url, channel, logger: silentLogger, redis: { connectionName: name } });
    watchers.push(announcer, listener);
    let reloads = 0;
    listener.setUpdateCallback(() => reloads++);

    await admin.connect();
    const clients = (await admin.client("LIST")) as string;
    const subscriber = clients.split("\n").find((line) => line.includes(` name=${name} `) && / sub=1 /.test(line));
    const id = /^id=(\d+) /.exec(subscriber ?? "")?.[1];
    expect(id, `the listener's subscriber in CLIENT LIST:\n${clients}`).toBeDefined();
    expect(await admin.client("KILL", "ID", id ?? "")).toBe(1);

    await waitUntil("the reload after reconnecting", () => reloads === 1, 5_000);
    await announcer.update();
    await waitUntil("the change announced after the reconnection", () => reloads === 2, 2_000);
  });
});
