import { describe, expect, it } from "vitest";
import { Code, KledError } from "../../runtime/src/errors/index.js";
import type { ServiceRecord } from "../../runtime/src/registry/registry.js";
import { filterMetadata, filterVersion } from "../../runtime/src/selector/filters.js";
import { candidates } from "../../runtime/src/selector/candidates.js";
import { RandomSelector } from "../../runtime/src/selector/random.js";
import { RoundRobinSelector } from "../../runtime/src/selector/round-robin.js";
import type { Selector } from "../../runtime/src/selector/selector.js";

function service(name: string, version: string, ids: string[], metadata: Record<string, string> = {}): ServiceRecord {
  return {
    name,
    version,
    metadata,
    endpoints: [],
    nodes: ids.map((id) => ({ id, address: `10.0.0.${ids.indexOf(id) + 1}:50051`, metadata: id.endsWith("-b") ? { zone: "b" } : {} })),
  };
}

function counts(selector: Selector, services: ServiceRecord[], picks: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const id = selector.select(services).id;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

describe("RandomSelector", () => {
  it("picks every node, roughly evenly", () => {
    const seen = counts(new RandomSelector(), [service("greeter", "1", ["a", "b", "c"])], 3000);
    expect([...seen.keys()].sort()).toEqual(["a", "b", "c"]);
    for (const n of seen.values()) expect(n).toBeGreaterThan(700); // expected 1000; 700 is > 10 standard deviations off
  });

  it("maps the random source onto the nodes sorted by id", () => {
    const values = [0, 0.5, 0.99, 1];
    const selector = new RandomSelector({ random: () => values.shift() ?? 0 });
    const services = [service("greeter", "1", ["c", "a", "b"])];
    expect([0, 1, 2, 3].map(() => selector.select(services).id)).toEqual(["a", "b", "c", "c"]);
  });
});

describe("RoundRobinSelector", () => {
  it("cycles through the nodes evenly", () => {
    const selector = new RoundRobinSelector();
    const services = [service("greeter", "1", ["a", "b"]), service("greeter", "2", ["c"])];
    expect(Array.from({ length: 6 }, () => selector.select(services).id)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("keeps one counter per service", () => {
    const selector = new RoundRobinSelector();
    const greeter = [service("greeter", "1", ["g1", "g2", "g3"])];
    const echo = [service("echo", "1", ["e1", "e2"])];
    const picks = [greeter, echo, greeter, echo, greeter, echo, greeter].map((s) => selector.select(s).id);
    expect(picks).toEqual(["g1", "e1", "g2", "e2", "g3", "e1", "g1"]);
  });

  it("does not restart when the registry returns the nodes in another order", () => {
    const selector = new RoundRobinSelector();
    const picks = [["a", "b", "c"], ["c", "b", "a"], ["b", "a", "c"]].map((ids) => selector.select([service("greeter", "1", ids)]).id);
    expect(picks).toEqual(["a", "b", "c"]);
  });
});

describe("filters and exclusions", () => {
  const services = [service("greeter", "1.0.0", ["v1-a", "v1-b"]), service("greeter", "2.0.0", ["v2-a", "v2-b"], { tier: "gold" })];

  it("filters by version", () => {
    const selector = new RoundRobinSelector();
    const picks = Array.from({ length: 4 }, () => selector.select(services, { filter: [filterVersion("2.0.0")] }).id);
    expect(picks).toEqual(["v2-a", "v2-b", "v2-a", "v2-b"]);
  });

  it("filters by node metadata, falling back to service metadata, and composes filters", () => {
    const selector = new RoundRobinSelector();
    const zoneB = Array.from({ length: 4 }, () => selector.select(services, { filter: [filterMetadata("zone", "b")] }).id);
    expect(zoneB).toEqual(["v1-b", "v2-b", "v1-b", "v2-b"]);
    const gold = new RoundRobinSelector().select(services, { filter: [filterMetadata("tier", "gold"), filterMetadata("zone", "b")] });
    expect(gold.id).toBe("v2-b");
  });

  it("skips excluded nodes", () => {
    const selector = new RandomSelector();
    const exclude = new Set(["v1-a", "v1-b", "v2-a"]);
    for (let i = 0; i < 20; i++) expect(selector.select(services, { exclude }).id).toBe("v2-b");
  });

  it("throws UNAVAILABLE naming the service and counting what was removed", () => {
    const selector = new RoundRobinSelector();
    const three = [service("x", "1", ["a", "b", "c"])];
    const error = catchError(() => selector.select(three, { exclude: new Set(["a", "b", "c"]) }));
    expect(error).toBeInstanceOf(KledError);
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('no available node for service "x" (3 known, 3 excluded)');

    expect(catchError(() => selector.select(services, { filter: [filterVersion("9")] })).rawMessage).toBe(
      'no available node for service "greeter" (4 known, 4 filtered out)',
    );
    expect(
      catchError(() => selector.select(services, { filter: [filterVersion("1.0.0")], exclude: new Set(["v1-a", "v1-b"]) })).rawMessage,
    ).toBe('no available node for service "greeter" (4 known, 2 filtered out, 2 excluded)');
    expect(catchError(() => new RandomSelector().select([], { service: "ghost" })).rawMessage).toBe(
      'no available node for service "ghost" (0 known)',
    );
  });
});

function catchError(fn: () => unknown): KledError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KledError) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("candidate nodes of shared records", () => {
  const deepFreeze = (records: ServiceRecord[]): ServiceRecord[] => {
    for (const record of records) Object.freeze(Object.freeze(record).nodes);
    return Object.freeze(records) as ServiceRecord[];
  };

  it("are computed once per frozen record array, and anew for the next array", () => {
    const first = deepFreeze([service("x", "1", ["b", "a"])]);
    const a = candidates(first).nodes;
    expect(candidates(first).nodes).toBe(a);
    expect(a.map((node) => node.id)).toEqual(["a", "b"]);
    expect(Object.isFrozen(a)).toBe(true);
    const next = deepFreeze([service("x", "1", ["a", "b", "c"])]);
    expect(candidates(next).nodes.map((node) => node.id)).toEqual(["a", "b", "c"]);
  });

  it("are recomputed for arrays a caller may still change", () => {
    const records = [service("x", "1", ["a"])];
    expect(candidates(records).nodes.map((node) => node.id)).toEqual(["a"]);
    records.push(service("x", "2", ["b"]));
    expect(candidates(records).nodes.map((node) => node.id)).toEqual(["a", "b"]);
    const frozenOutside = Object.freeze([service("x", "1", ["a"])]) as ServiceRecord[];
    expect(candidates(frozenOutside).nodes.map((node) => node.id)).toEqual(["a"]);
    (frozenOutside[0]?.nodes as { id: string; address: string; metadata: Record<string, string> }[]).push({ id: "b", address: "10.0.0.9:1", metadata: {} });
    expect(candidates(frozenOutside).nodes.map((node) => node.id)).toEqual(["a", "b"]);
  });

  it("leave exclusions and filters per call", () => {
    const records = deepFreeze([service("x", "1", ["a", "b"]), service("x", "2", ["c"])]);
    expect(candidates(records, { exclude: new Set(["a"]) }).nodes.map((node) => node.id)).toEqual(["b", "c"]);
    expect(candidates(records, { filter: [filterVersion("2")] }).nodes.map((node) => node.id)).toEqual(["c"]);
    expect(candidates(records).nodes.map((node) => node.id)).toEqual(["a", "b", "c"]);
  });
});
