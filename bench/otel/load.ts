/**
 * The otel suite's load process: one target per server mode, each on the
 * client of a Service instrumented like its server (none: no plugin;
 * nosdk: the plugin on the API's no-ops; traced: the plugin on SDK
 * providers of its own, with a batching exporter that drops spans), so
 * the rows count both sides' cost. The traced client's providers are not
 * registered globally, so the nosdk client stays a no-op in this process;
 * the W3C propagator is, so the traced client sends `traceparent` as it
 * would (a no-op span has no context to send). Usage (by suite.ts): load.ts.
 */
import { propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { Service } from "@kled/runtime";
import { otel } from "@kled/runtime/otel";
import { createEchoServiceClient } from "../../test/gen/kled/test/v1/echo_kled.js";
import type { Target } from "../support/closed-loop.js";
import { serveLoad } from "../support/load-program.js";
import { ECHO_TEXT } from "../rpc/workload.js";
import { noopSpanExporter } from "./noop-exporter.js";
import { OTEL_MODES, otelServiceName, type OtelMode } from "./workload.js";

propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: noopSpanExporter })] });
const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });

function plugins(mode: OtelMode) {
  if (mode === "none") return {};
  return { plugins: [otel({ sdk: false, ...(mode === "traced" ? { tracerProvider, meterProvider } : {}) })] };
}

// Not started, like the RPC suites' load: a service that only calls needs no server.
const services = OTEL_MODES.map((mode) => new Service({ name: `bench.otel.load-${mode}`, ...plugins(mode) }));
const targets: Record<string, Target> = {};
OTEL_MODES.forEach((mode, i) => {
  const client = createEchoServiceClient(services[i]!.client, { service: otelServiceName(mode) });
  targets[mode] = async () => {
    await client.echo({ text: ECHO_TEXT });
  };
});
serveLoad(targets, async () => {
  await Promise.all(services.map((service) => service.stop()));
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});
