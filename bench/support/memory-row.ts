/**
 * A table row for memory (lower is better), compared by ratio as the
 * rows.ts cost rows are, printed in MiB or KiB.
 */
import type { Pair } from "./alternate.js";
import type { Row } from "./rows.js";
import { median } from "./stats.js";

const BYTES = { MiB: 1024 * 1024, KiB: 1024 } as const;

export function memoryRow<T>(
  measure: string,
  pairs: readonly Pair<T>[],
  pickBytes: (run: T) => number,
  atMost?: number,
  unit: keyof typeof BYTES = "MiB",
): Row {
  const k = pairs.map((p) => pickBytes(p.kled) / BYTES[unit]);
  const b = pairs.map((p) => pickBytes(p.baseline) / BYTES[unit]);
  const ratio = median(pairs.map((p) => pickBytes(p.kled) / pickBytes(p.baseline)));
  return {
    measure,
    kled: `${median(k).toFixed(1)} ${unit}`,
    baseline: `${median(b).toFixed(1)} ${unit}`,
    comparison: `${ratio.toFixed(2)}×`,
    ...(atMost === undefined ? {} : { target: `≤ ${atMost.toFixed(2)}×`, met: ratio <= atMost }),
    data: { unit, kledRounds: k, baselineRounds: b, kledMedian: median(k), baselineMedian: median(b), comparison: ratio, comparisonKind: "ratio" },
  };
}

export function formatMib(mib: number): string {
  return `${mib.toFixed(1)} MiB`;
}
