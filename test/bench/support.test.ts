import { describe, expect, it } from "vitest";
import { alternate } from "../../bench/support/alternate.js";
import { closedLoop } from "../../bench/support/closed-loop.js";
import { servingTogether } from "../../bench/support/compare.js";
import { CPU_COMMAND } from "../../bench/support/protocol.js";
import type { Child } from "../../bench/support/spawn.js";
import { costRow, latencyRow, rateRow } from "../../bench/support/rows.js";
import { LatencyRecorder, median, percentile } from "../../bench/support/stats.js";
import { renderTable } from "../../bench/support/table.js";

describe("bench statistics", () => {
  it("takes nearest-rank percentiles and medians", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("records latencies past its initial capacity", () => {
    const recorder = new LatencyRecorder();
    for (let i = 1; i <= 100_000; i++) recorder.record(i);
    expect(recorder.count).toBe(100_000);
    expect(recorder.summary()).toEqual({ p50Ms: 50_000, p99Ms: 99_000 });
  });
});

describe("bench comparisons", () => {
  it("alternates which side runs first", async () => {
    const order: string[] = [];
    await alternate(3, async () => order.push("k"), async () => order.push("b"));
    expect(order.join("")).toBe("kbbkkb");
  });

  it("compares rates by ratio, latencies by difference, costs by ratio, against targets", () => {
    const pairs = [
      { kled: 96, baseline: 100 },
      { kled: 90, baseline: 100 },
      { kled: 99, baseline: 100 },
    ];
    expect(rateRow("calls/s", "/s", pairs, (v) => v, 0.95)).toMatchObject({ comparison: "0.96×", target: "≥ 0.95×", met: true });
    // Values in ms: 96 ms vs 100 ms is 4000 µs faster.
    expect(latencyRow("p50", pairs, (v) => v, 30)).toMatchObject({ comparison: "−4000 µs", met: true });
    expect(costRow("wall", "ms", pairs, (v) => v, 0.9)).toMatchObject({ kled: "96 ms", comparison: "0.96×", met: false });
  });

  it("measures a serving side split across processes as the sum of their CPU times", async () => {
    const child = (cpuUs: number): Child => ({
      label: `server-${cpuUs}`,
      info: {},
      call: async <T>(command: string) => {
        if (command !== CPU_COMMAND) throw new Error(`unexpected ${command}`);
        return cpuUs as T;
      },
      stop: async () => undefined,
    });
    const side = servingTogether([child(700), child(250)]);
    expect(await side.call<number>(CPU_COMMAND)).toBe(950);
    await expect(side.call("run")).rejects.toThrow(/answers only .* not run/);
  });

  it("runs a closed loop with the given concurrency and counts stream units", async () => {
    let running = 0;
    let peak = 0;
    const result = await closedLoop(
      async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
        return 10;
      },
      4,
      50,
    );
    expect(peak).toBe(4);
    expect(result.units).toBe(result.calls * 10);
    expect(result.perSecond).toBeGreaterThan(0);
  });
});

describe("bench table", () => {
  it("aligns columns under a heading per section", () => {
    const text = renderTable(["Measure", "Kled"], [{ heading: "Suite", rows: [["  a", "1"], ["  long measure", "22"]] }]);
    expect(text.split("\n")).toEqual([
      "Measure         Kled",
      "--------------------",
      "Suite",
      "  a             1",
      "  long measure  22",
    ]);
  });
});
