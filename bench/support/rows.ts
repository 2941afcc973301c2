/**
 * Rows of the result table, built from paired rounds. Absolute figures are
 * medians over rounds; the comparison is the median of the per-round
 * comparisons, so that each ratio pairs runs made moments apart.
 */
import type { Pair } from "./alternate.js";
import { median } from "./stats.js";

/** One line of the table, with its data for `--json`. */
export interface Row {
  readonly measure: string;
  readonly kled: string;
  readonly baseline: string;
  /** `1.02×` for ratios, `+12 µs` for latency differences. */
  readonly comparison: string;
  /** E.g. `≥ 0.95×`; absent for figures reported for information. */
  readonly target?: string;
  readonly met?: boolean;
  /**
   * Set on a row that compares Kled with another stack than the suite's
   * baseline (a peer), measured in its own paired rounds: the table prints
   * it under the row of the same measure as `vs <versus>`.
   */
  readonly versus?: string;
  readonly data: {
    readonly unit: string;
    readonly kledRounds: readonly number[];
    readonly baselineRounds: readonly number[];
    readonly kledMedian: number;
    readonly baselineMedian: number;
    /** Ratio (kled/baseline) or difference (kled − baseline), median over rounds. */
    readonly comparison: number;
    readonly comparisonKind: "ratio" | "difference";
  };
}

/** Higher is better (calls/s, messages/s): compares by ratio; `atLeast` is the target ratio. */
export function rateRow<T>(measure: string, unit: string, pairs: readonly Pair<T>[], pick: (run: T) => number, atLeast?: number): Row {
  const k = pairs.map((p) => pick(p.kled));
  const b = pairs.map((p) => pick(p.baseline));
  const ratio = median(pairs.map((p) => pick(p.kled) / pick(p.baseline)));
  return {
    measure,
    kled: `${formatCount(median(k))} ${unit}`,
    baseline: `${formatCount(median(b))} ${unit}`,
    comparison: `${ratio.toFixed(2)}×`,
    ...(atLeast === undefined ? {} : { target: `≥ ${atLeast.toFixed(2)}×`, met: ratio >= atLeast }),
    data: data(unit, k, b, ratio, "ratio"),
  };
}

/** Lower is better (latency, ms in): compares by difference in µs; `atMostUs` is the target. */
export function latencyRow<T>(measure: string, pairs: readonly Pair<T>[], pickMs: (run: T) => number, atMostUs?: number): Row {
  const k = pairs.map((p) => pickMs(p.kled) * 1000);
  const b = pairs.map((p) => pickMs(p.baseline) * 1000);
  const difference = median(pairs.map((p) => (pickMs(p.kled) - pickMs(p.baseline)) * 1000));
  return {
    measure,
    kled: formatMicros(median(k)),
    baseline: formatMicros(median(b)),
    comparison: `${difference >= 0 ? "+" : "−"}${formatMicros(Math.abs(difference))}`,
    ...(atMostUs === undefined ? {} : { target: `≤ +${atMostUs} µs`, met: difference <= atMostUs }),
    data: data("µs", k, b, difference, "difference"),
  };
}

/**
 * Lower is better (wall time in ms, CPU time per call in µs): compares by
 * ratio; `atMost` is the target ratio.
 */
export function costRow<T>(measure: string, unit: "ms" | "µs", pairs: readonly Pair<T>[], pick: (run: T) => number, atMost?: number): Row {
  const k = pairs.map((p) => pick(p.kled));
  const b = pairs.map((p) => pick(p.baseline));
  const ratio = median(pairs.map((p) => pick(p.kled) / pick(p.baseline)));
  const format = (value: number) => (unit === "µs" ? formatMicros(value) : `${Math.round(value)} ms`);
  return {
    measure,
    kled: format(median(k)),
    baseline: format(median(b)),
    comparison: `${ratio.toFixed(2)}×`,
    ...(atMost === undefined ? {} : { target: `≤ ${atMost.toFixed(2)}×`, met: ratio <= atMost }),
    data: data(unit, k, b, ratio, "ratio"),
  };
}

function data(unit: string, k: number[], b: number[], comparison: number, comparisonKind: "ratio" | "difference"): Row["data"] {
  return { unit, kledRounds: k, baselineRounds: b, kledMedian: median(k), baselineMedian: median(b), comparison, comparisonKind };
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function formatMicros(us: number): string {
  if (us >= 10_000) return `${(us / 1000).toFixed(1)} ms`;
  return us < 100 ? `${us.toFixed(1)} µs` : `${Math.round(us)} µs`;
}
