import { describe, expect, test } from "vitest";
import { LoadAwareSelector, type ServiceRecord } from "@kled/runtime";

const record: ServiceRecord = {
  name: "svc",
  version: "1",
  metadata: {},
  endpoints: [],
  nodes: ["a", "b", "c"].map((id) => ({ id, address: `${id}:1`, metadata: {} })),
};

/** A selector whose random draws and clock the test controls. */
function selector(draws: number[] = []) {
  let now = 1_000_000;
  const queue = [...draws];
  const s = new LoadAwareSelector({ random: () => queue.shift() ?? 0, now: () => now, decayMs: 1_000 });
  return { s, advance: (ms: number) => (now += ms), draws: (...values: number[]) => queue.push(...values) };
}

describe("LoadAwareSelector", () => {
  test("of two random nodes, picks the one with fewer calls in flight", () => {
    const { s, draws } = selector();
    s.onCallStart("svc", "a");
    s.onCallStart("svc", "a");
    draws(0, 0); // a, then b (the second draw skips the first pick)
    expect(s.select([record]).id).toBe("b");
    draws(0.5, 0.9); // b, then c
    expect(["b", "c"]).toContain(s.select([record]).id);
  });

  test("prefers the lower latency average, and scores (inFlight + 1) × (average + 1 ms)", () => {
    const { s, draws } = selector();
    for (const [node, latency] of [["a", 40], ["b", 2]] as const) {
      s.onCallStart("svc", node);
      s.onCallEnd("svc", node, { latencyMs: latency, nodeFailure: false });
    }
    draws(0, 0);
    expect(s.select([record]).id).toBe("b");
    expect(s.score("svc", "a")).toBeCloseTo(41);
    s.onCallStart("svc", "b");
    expect(s.score("svc", "b")).toBeCloseTo(2 * 3);
  });

  test("a slow sample counts at once (peak); fast samples and idle time decay it by e^(−Δt/τ)", () => {
    const { s, advance } = selector();
    s.onCallStart("svc", "a");
    s.onCallEnd("svc", "a", { latencyMs: 100, nodeFailure: false });
    expect(s.score("svc", "a")).toBeCloseTo(101);
    advance(1_000); // one decay time
    expect(s.score("svc", "a")).toBeCloseTo(100 / Math.E + 1);
    s.onCallStart("svc", "a");
    s.onCallEnd("svc", "a", { latencyMs: 10, nodeFailure: false });
    // decayed average 36.8, blended with 10 at weight 1 − 1/e
    const decayed = 100 / Math.E;
    expect(s.score("svc", "a")).toBeCloseTo(decayed + (10 - decayed) * (1 - 1 / Math.E) + 1);
  });

  test("a node failure counts as at least the failure penalty, so a node failing fast does not look fast", () => {
    const { s } = selector();
    s.onCallStart("svc", "a");
    s.onCallEnd("svc", "a", { latencyMs: 1, nodeFailure: true });
    expect(s.score("svc", "a")).toBeCloseTo(251);
  });

  test("respects exclusions and returns the only candidate", () => {
    const { s } = selector([0.99, 0.99]);
    expect(s.select([record], { exclude: new Set(["a", "b"]) }).id).toBe("c");
  });
});
