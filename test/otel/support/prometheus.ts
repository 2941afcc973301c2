import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** One metric family as parse-prometheus-text-format returns it. */
export interface Family {
  readonly name: string;
  readonly type: string;
  readonly metrics: readonly {
    readonly labels?: Readonly<Record<string, string>>;
    readonly buckets?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
    readonly value?: string;
  }[];
}

/** The families of a scrape, by name. */
export function parseScrape(text: string): Map<string, Family> {
  return new Map((parsePrometheusTextFormat(text) as Family[]).map((family) => [family.name, family]));
}

/**
 * The `_count` series of histogram `name`, each with its labels.
 * parse-prometheus-text-format (1.1) folds every series of a histogram
 * family into one sample and drops their labels (it flattens on `le`
 * alone), so the labels are read from the same scrape with the histograms'
 * `# TYPE` lines left out, where the parser takes each `name_count` line for a
 * family of its own and keeps its labels.
 */
export function histogramCounts(text: string, name: string): { labels: Record<string, string>; count: number }[] {
  const untyped = text
    .split("\n")
    .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
    .join("\n");
  // Lines of other names come between a histogram's `_count` lines, so each opens a family of its own.
  return (parsePrometheusTextFormat(untyped) as Family[])
    .filter((family) => family.name === `${name}_count`)
    .flatMap((family) => family.metrics.map((metric) => ({ labels: { ...metric.labels }, count: Number(metric.value) })));
}
