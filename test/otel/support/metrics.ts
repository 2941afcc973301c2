import { AggregationTemporality, MeterProvider, MetricReader, type GaugeMetricData } from "@opentelemetry/sdk-metrics";

/** A reader that collects on demand: the test reads the observable gauges when it wants, as a scrape would. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A meter provider of the test's own (nothing global) and a function that collects one gauge's points. */
export function collectingMeter(): {
  meterProvider: MeterProvider;
  gauge(name: string): Promise<{ value: number; attributes: Record<string, unknown> }[]>;
} {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async gauge(name) {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, `collecting ${name}`);
      const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name) as GaugeMetricData | undefined;
      return (metric?.dataPoints ?? []).map((point) => ({ value: point.value, attributes: { ...point.attributes } }));
    },
  };
}
