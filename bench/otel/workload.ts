/**
 * What the otel suite's processes agree on: the three server modes and
 * their registered names. The request is the RPC suites' (ECHO_TEXT), so
 * the only thing the suite varies is the instrumentation.
 *   none    a Service without the otel() plugin: the runtime as it was
 *           before the instrumentation hooks
 *   nosdk   the otel() plugin with no SDK registered: every span and
 *           instrument is the API's no-op
 *   traced  the plugin with an SDK: every call sampled and its spans
 *           batched to an exporter that drops them, metrics aggregated
 *           by a Prometheus reader (never scraped)
 */
export const OTEL_MODES = ["none", "nosdk", "traced"] as const;
export type OtelMode = (typeof OTEL_MODES)[number];

export function isOtelMode(value: string | undefined): value is OtelMode {
  return OTEL_MODES.some((mode) => mode === value);
}

/** Each variant registers under a name of its own, so a call meant for one is never answered by another. */
export function otelServiceName(mode: OtelMode): string {
  return `bench.otel.${mode}`;
}
