/**
 * Node failures with real processes on loopback: a node killed under load,
 * and a node answering UNAVAILABLE until it heals.
 */
import { afterEach, describe, expect, test } from "vitest";
import { KledClient, Resilience, RoundRobinSelector, type ResilienceEventMap, type ResilienceEventName } from "@kled/runtime";
import { createEchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { waitUntil } from "../registry/wait.js";
import { CountingSelector, steadyLoad, type Load } from "./support/load.js";
import { SERVICE, startNodes, staticResolver, stopNodes, type EchoNode } from "./support/nodes.js";

let nodes: EchoNode[] = [];
let client: KledClient | undefined;
let load: Load | undefined;

afterEach(async () => {
  await load?.stop();
  await client?.close();
  await stopNodes(nodes);
  nodes = [];
  client = undefined;
  load = undefined;
});

/** Every event the policies emit, in order. */
function record(resilience: Resilience) {
  const seen: Array<{ name: ResilienceEventName; event: ResilienceEventMap[ResilienceEventName] }> = [];
  for (const name of ["retry", "break", "halfOpen", "reset", "bulkheadReject"] as const) {
    resilience.events.on(name, (event) => seen.push({ name, event }));
  }
  const of = (name: ResilienceEventName, node: string) =>
    seen.filter((e) => e.name === name && "node" in e.event && e.event.node === node);
  return { seen, of };
}

function startLoad(echo: ReturnType<typeof createEchoServiceClient>): Load {
  return steadyLoad(async () => (await echo.echo({ text: "load" })).metadata["node"] ?? "?", 6);
}

const served = (node: string) => load?.perNode.get(node) ?? 0;

describe("failover across processes", () => {
  test("a node killed under load: no call fails, and the dead node gets no more calls once its circuit opens", async () => {
    nodes = await startNodes(["a", "b", "c"]);
    // Long half-open time: after the break, not even a probe goes to the dead node.
    const resilience = new Resilience({ services: { [SERVICE]: { breaker: { halfOpenAfterMs: 60_000 } } } });
    const events = record(resilience);
    const selector = new CountingSelector(new RoundRobinSelector());
    client = new KledClient({ resolve: staticResolver(nodes), selector, resilience });
    load = startLoad(createEchoServiceClient(client, { service: SERVICE }));
    await waitUntil("every node serving", () => ["a", "b", "c"].every((n) => served(n) >= 20), 10_000);

    await nodes[2]?.kill("SIGKILL");
    await waitUntil("the dead node's circuit opening", () => events.of("break", "c").length > 0, 5_000);
    // Picks made just before the break (the selection awaits the resolver) may land after it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const picksOfDead = selector.picks.get("c");
    const before = { a: served("a"), b: served("b") };
    await waitUntil("300 more calls served", () => served("a") + served("b") >= before.a + before.b + 300, 10_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(selector.picks.get("c")).toBe(picksOfDead);
    expect(served("a")).toBeGreaterThan(before.a + 100);
    expect(served("b")).toBeGreaterThan(before.b + 100);
    expect(events.of("retry", "c").length).toBeGreaterThan(0);
    expect(resilience.circuitState(SERVICE, "c")).toBe("open");
  });

  test("a node answering UNAVAILABLE: its circuit opens, traffic moves away, and half-open probes bring it back once healed", async () => {
    nodes = await startNodes(["a", "b", "c"]);
    const resilience = new Resilience({
      services: { [SERVICE]: { breaker: { threshold: 3, halfOpenAfterMs: 300 } } },
    });
    const events = record(resilience);
    client = new KledClient({ resolve: staticResolver(nodes), resilience });
    load = startLoad(createEchoServiceClient(client, { service: SERVICE }));
    await waitUntil("every node serving", () => ["a", "b", "c"].every((n) => served(n) >= 20), 10_000);

    await nodes[2]?.setMode("unavailable");
    await waitUntil("c's circuit opening", () => events.of("break", "c").length > 0, 5_000);
    const reachedWhileBroken = (await nodes[2]?.stats())?.echo ?? 0;
    const othersBefore = served("a") + served("b");
    await waitUntil("300 more calls served by a and b", () => served("a") + served("b") >= othersBefore + 300, 10_000);
    // While broken, c sees only the odd half-open probe (one per 300 ms), not a third of the calls.
    const reachedAfter = (await nodes[2]?.stats())?.echo ?? 0;
    expect(reachedAfter - reachedWhileBroken).toBeLessThan(30);

    await nodes[2]?.setMode("ok");
    await waitUntil("c's circuit closing", () => events.of("reset", "c").length > 0, 5_000);
    const servedByC = served("c");
    await waitUntil("c serving again", () => served("c") >= servedByC + 50, 10_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    const order = events.seen
      .filter((e) => "node" in e.event && e.event.node === "c" && e.name !== "retry")
      .map((e) => e.name);
    expect(order[0]).toBe("break");
    expect(order.at(-1)).toBe("reset");
    expect(order).toContain("halfOpen");
    expect(resilience.circuitState(SERVICE, "c")).toBe("closed");
  });
});
