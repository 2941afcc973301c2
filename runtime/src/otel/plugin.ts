import type { ServicePlugin } from "../service/plugin.js";
import type { Service } from "../service/service.js";
import { clientTelemetry } from "./client-middleware.js";
import { logTraceIds } from "./log-fields.js";
import type { MetricsEndpoint } from "./metrics-endpoint.js";
import { recordResilienceEvents } from "./resilience-events.js";
import { startOtel, type OtelHandle } from "./sdk.js";
import { serverTelemetry } from "./server-middleware.js";
import { Telemetry, type TelemetryProviders } from "./telemetry.js";

/** Options of {@link otel}. */
export interface OtelOptions extends TelemetryProviders {
  /**
   * Start the OpenTelemetry SDK (see `startOtel`) when the service starts,
   * once per process, configured by `OTEL_*`, named after the service.
   * Default true; false when the process registers its own SDK (or none,
   * leaving the instrumentation a no-op).
   */
  readonly sdk?: boolean;
  /** Prometheus scrape endpoint of the SDK this plugin starts. Default: `KLED_METRICS_PORT`, else none. */
  readonly metrics?: MetricsEndpoint;
  /** Adds `trace_id`/`span_id` to the console logger's lines written inside a span. Default true. */
  readonly logTraceIds?: boolean;
}

// One SDK per process however many services it runs: global providers are process-wide.
let shared: { handle: Promise<OtelHandle>; users: number } | undefined;

/**
 * OpenTelemetry for a service: `new Service({ name, plugins: [otel()] })`.
 * A SERVER span and `rpc.server.call.duration` per served call, a CLIENT
 * span and `rpc.client.call.duration` per call made, trace context in the
 * gRPC metadata, retries and breaker changes as span events and metrics,
 * trace ids in log lines. Brokers and outboxes are instrumented with
 * `instrumentBroker` and `instrumentOutbox`.
 */
export function otel(options: OtelOptions = {}): ServicePlugin {
  return {
    name: "otel",
    setup(init) {
      const telemetry = new Telemetry(options);
      if (options.logTraceIds !== false) logTraceIds();
      let service: Service | undefined;
      let stopEvents: (() => void) | undefined;
      let usesShared = false;
      return {
        serverMiddleware: serverTelemetry(telemetry, () => service?.address),
        clientMiddleware: clientTelemetry(telemetry),
        attach(attached, events) {
          service = attached;
          if (events !== undefined) stopEvents = recordResilienceEvents(events, telemetry);
        },
        async started() {
          if (options.sdk === false) return;
          shared ??= {
            handle: startOtel({
              serviceName: init.name,
              ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
              ...(options.logTraceIds === undefined ? {} : { logTraceIds: options.logTraceIds }),
            }),
            users: 0,
          };
          shared.users++;
          usesShared = true;
          try {
            await shared.handle;
          } catch (error) {
            shared = undefined;
            throw error;
          }
        },
        async stopped() {
          stopEvents?.();
          if (!usesShared || shared === undefined) return;
          usesShared = false;
          if (--shared.users > 0) return;
          const { handle } = shared;
          shared = undefined;
          await (await handle).shutdown();
        },
      };
    },
  };
}
