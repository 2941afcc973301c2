/**
 * The load-aware selector against round-robin, with real processes: one of
 * three nodes answers slowly; power of two choices on in-flight calls and
 * latency must send it a clearly smaller share of the calls.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KledClient, LoadAwareSelector, RoundRobinSelector, type Selector } from "@kled/runtime";
import { createEchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { shareOf, steadyLoad } from "./support/load.js";
import { SERVICE, startNodes, staticResolver, stopNodes, type EchoNode } from "./support/nodes.js";

/** Calls per run: enough that a share is measured to within a few percent. */
const CALLS = 450;
/** The slow node's extra latency: well above a loopback call and above the latency spikes a busy test machine adds to every node. */
const SLOW_MS = 50;

let nodes: EchoNode[] = [];

beforeAll(async () => {
  nodes = await startNodes(["a", "b", "slow"]);
  await nodes[2]?.setMode("slow", SLOW_MS);
});

afterAll(async () => {
  await stopNodes(nodes);
});

async function slowShare(selector: Selector): Promise<number> {
  const client = new KledClient({ resolve: staticResolver(nodes), selector });
  try {
    const echo = createEchoServiceClient(client, { service: SERVICE });
    const load = steadyLoad(async () => (await echo.echo({ text: "share" })).metadata["node"] ?? "?", 6, CALLS);
    await load.finished();
    expect(load.failures).toEqual([]);
    expect(load.ok()).toBe(CALLS);
    return shareOf(load.perNode, "slow");
  } finally {
    await client.close();
  }
}

describe("load-aware selection", () => {
  test("a slow node gets a clearly smaller share with power of two choices than with round-robin", async () => {
    const roundRobin = await slowShare(new RoundRobinSelector());
    const loadAware = await slowShare(new LoadAwareSelector());
    console.log(`slow node's share: round-robin ${(roundRobin * 100).toFixed(1)} %, load-aware ${(loadAware * 100).toFixed(1)} %`);
    // Round-robin ignores speed: a third of the calls, whatever the latency.
    expect(roundRobin).toBeGreaterThan(0.28);
    expect(roundRobin).toBeLessThan(0.39);
    // Load-aware: well under half of that.
    expect(loadAware).toBeLessThan(roundRobin / 2);
  });
});
