/**
 * A rate limit shared through Redis holds across two server processes: the
 * budget is spent once, whichever node a call lands on, and refused calls
 * carry the wait and are not retried by the client.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Code, KledClient, KledError, Resilience } from "@kled/runtime";
import { retryAfterMs } from "@kled/runtime/ratelimit";
import { createEchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { requireRedis } from "../support/services.js";
import { SERVICE, startNodes, staticResolver, stopNodes, type EchoNode } from "./support/nodes.js";

const redis = await requireRedis();
/** The shared budget: calls per caller per minute, over both nodes together. */
const POINTS = 10;
const CALLS = 24;

let nodes: EchoNode[] = [];

describe.skipIf(redis.skip !== undefined)("shared Redis rate limit", () => {
  beforeAll(async () => {
    nodes = await startNodes(["a", "b"], {
      KLED_REDIS_URL: redis.url,
      KLED_RATE_LIMIT_POINTS: String(POINTS),
      // A fresh prefix: counters from other runs must not count.
      KLED_RATE_LIMIT_PREFIX: `kled-rl-test-${randomUUID()}`,
    });
  });

  afterAll(async () => {
    await stopNodes(nodes);
  });

  test("two instances enforce one budget, and the client does not retry RESOURCE_EXHAUSTED", async () => {
    const resilience = new Resilience();
    let retries = 0;
    resilience.events.on("retry", () => retries++);
    const client = new KledClient({ resolve: staticResolver(nodes), resilience });
    const echo = createEchoServiceClient(client, { service: SERVICE });
    const servedBy = new Map<string, number>();
    const refused: KledError[] = [];
    try {
      for (let i = 0; i < CALLS; i++) {
        try {
          const node = (await echo.echo({ text: `call ${i}` })).metadata["node"] ?? "?";
          servedBy.set(node, (servedBy.get(node) ?? 0) + 1);
        } catch (error) {
          refused.push(error as KledError);
        }
      }
    } finally {
      await client.close();
    }

    expect([...servedBy.values()].reduce((a, b) => a + b, 0)).toBe(POINTS);
    // Round-robin alternates, so each node spent part of the one budget.
    expect(servedBy.get("a")).toBeGreaterThan(0);
    expect(servedBy.get("b")).toBeGreaterThan(0);
    expect(refused).toHaveLength(CALLS - POINTS);
    for (const error of refused) {
      expect(error).toBeInstanceOf(KledError);
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(Number(error.metadata["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(retryAfterMs(error)).toBeGreaterThan(0);
    }
    expect(retries).toBe(0);
    // Each refused call reached exactly one server once.
    const stats = await Promise.all(nodes.map((node) => node.stats()));
    expect(stats.reduce((sum, s) => sum + s.rateLimited, 0)).toBe(CALLS - POINTS);
  });
});
