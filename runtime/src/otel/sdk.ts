import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import { loadOtelSdk } from "../peers/opentelemetry-sdk.js";
import { logTraceIds } from "./log-fields.js";
import { checkMetricsEndpoint, DEFAULT_METRICS_HOST, METRICS_PATH, metricsEndpointFromEnv, type MetricsEndpoint } from "./metrics-endpoint.js";
import { messageOf } from "../errors/message-of.js";

/** Options of {@link startOtel}. */
export interface StartOtelOptions {
  /** `service.name` of every span and metric: the Kled service name. `OTEL_SERVICE_NAME` wins when set. */
  readonly serviceName: string;
  /**
   * A Prometheus scrape endpoint on this port (path `/metrics`). Default:
   * `KLED_METRICS_PORT`; without either, metrics go where
   * `OTEL_METRICS_EXPORTER` says (OTLP by default). With an endpoint,
   * metrics are served there and `OTEL_METRICS_EXPORTER` is not read.
   */
  readonly metrics?: MetricsEndpoint;
  /**
   * Span processors in place of those `OTEL_TRACES_EXPORTER` selects
   * (`otlp` — OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` — by default,
   * `console`, `none`). For tests and custom pipelines.
   */
  readonly spanProcessors?: SpanProcessor[];
  /** Adds `trace_id`/`span_id` to console log lines. Default true. */
  readonly logTraceIds?: boolean;
}

/** A started SDK. */
export interface OtelHandle {
  /** The scrape URL, when a metrics endpoint is on. */
  readonly metricsUrl: string | undefined;
  /** Flushes what is buffered and stops exporting; closes the scrape endpoint. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for this process, configured the standard
 * way by the `OTEL_*` environment variables (exporters, endpoints,
 * sampler, propagators, resource), with the service name from Kled and an
 * optional Prometheus endpoint. Registers the global tracer and meter
 * providers, W3C propagation and the AsyncLocalStorage context manager
 * (sdk-node's default; the async-hooks one would slow every promise): the
 * instrumentation of `otel()` and `instrumentBroker()` records to them.
 * With `OTEL_SDK_DISABLED=true` nothing is registered.
 *
 * Needs `@opentelemetry/sdk-node` and `@opentelemetry/exporter-prometheus`.
 */
export async function startOtel(options: StartOtelOptions): Promise<OtelHandle> {
  if (process.env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return DISABLED;
  const { NodeSDK, PrometheusExporter } = await loadOtelSdk();
  const endpoint = options.metrics === undefined ? metricsEndpointFromEnv() : checkMetricsEndpoint(options.metrics);
  let prometheus: InstanceType<typeof PrometheusExporter> | undefined;
  if (endpoint !== undefined) {
    // Started below, so that a port in use fails this call instead of becoming a log line.
    prometheus = new PrometheusExporter({
      host: endpoint.host ?? DEFAULT_METRICS_HOST,
      port: endpoint.port,
      endpoint: METRICS_PATH,
      preventServerStart: true,
    });
  }
  const sdk = new NodeSDK({
    serviceName: process.env["OTEL_SERVICE_NAME"] ?? options.serviceName,
    ...(prometheus === undefined ? {} : { metricReaders: [prometheus] }),
    ...(options.spanProcessors === undefined ? {} : { spanProcessors: options.spanProcessors }),
  });
  if (prometheus !== undefined) {
    try {
      await prometheus.startServer();
    } catch (error) {
      throw new Error(
        `metrics endpoint ${endpoint?.host ?? DEFAULT_METRICS_HOST}:${endpoint?.port}: cannot listen (${(error as Error).message}); choose another port`,
        { cause: error },
      );
    }
  }
  sdk.start();
  const stopLogging = options.logTraceIds === false ? undefined : logTraceIds();
  return {
    metricsUrl: endpoint === undefined ? undefined : `http://${endpoint.host ?? DEFAULT_METRICS_HOST}:${endpoint.port}${METRICS_PATH}`,
    async shutdown() {
      stopLogging?.();
      // The last export failing (no collector listening, say) must not fail
      // the service's stop: telemetry is lost, the service is not.
      await sdk.shutdown().catch((error: unknown) => {
        process.emitWarning(`OpenTelemetry: flushing telemetry at shutdown failed: ${messageOf(error)}`, "KledTelemetryWarning");
      });
    },
  };
}

const DISABLED: OtelHandle = { metricsUrl: undefined, shutdown: () => Promise.resolve() };
