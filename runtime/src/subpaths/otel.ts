/**
 * `@kled/runtime/otel`: OpenTelemetry traces and metrics for services
 * (the `otel()` plugin), clients (`clientTelemetry`), brokers
 * (`instrumentBroker`) and the outbox (`instrumentOutbox`), on
 * `@opentelemetry/api` (an optional peer; with no SDK registered every
 * span and instrument is a no-op). `startOtel()` starts the SDK from the
 * `OTEL_*` variables with a Prometheus endpoint, and needs
 * `@opentelemetry/sdk-node` and `@opentelemetry/exporter-prometheus`.
 */
export * from "../otel/index.js";
