/**
 * A table row for memory (lower is better), compared by ratio as the
 * support/rows.ts cost rows are, printed in MiB.
 */
import type { Pair } from "../support/alternate.js";
import type { Row } from "../support/rows.js";
import { median } from "../support/stats.js";

const MIB = 1024 * 1024;

export function memoryRow<T>(measure: string, pairs: readonly Pair<T>[], pickBytes: (run: T) => number, atMost?: number): Row {
  const k = pairs.map((p) => pickBytes(p.kled) / MIB);
  const b = pairs.map((p) => pickBytes(p.baseline) / MIB);
  const ratio = median(pairs.map((p) => pickBytes(p.kled) / pickBytes(p.baseline)));
  return {
    measure,
    kled: formatMib(median(k)),
    baseline: formatMib(median(b)),
    comparison: `${ratio.toFixed(2)}×`,
    ...(atMost === undefined ? {} : { target: `≤ ${atMost.toFixed(2)}×`, met: ratio <= atMost }),
    data: { unit: "MiB", kledRounds: k, baselineRounds: b, kledMedian: median(k), baselineMedian: median(b), comparison: ratio, comparisonKind: "ratio" },
  };
}

export function formatMib(mib: number): string {
  return `${mib.toFixed(1)} MiB`;
}
