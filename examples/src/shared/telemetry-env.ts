/**
 * Whether this process should start the OpenTelemetry SDK: only when the
 * environment asks for an export (an OTLP endpoint, a traces exporter, or a
 * Prometheus port), so that an example run without a collector does not
 * try to send spans to localhost:4318 every few seconds. The demo sets
 * these to collect the task's trace. Without them the `otel()` plugin is
 * still installed and costs nothing (no SDK, no-op spans).
 */
export function telemetryRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return false;
  return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER", "KLED_METRICS_PORT"].some(
    (name) => (env[name]?.trim() ?? "") !== "",
  );
}
