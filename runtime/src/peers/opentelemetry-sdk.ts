/**
 * The OpenTelemetry SDK, loaded only by `startOtel()`: instrumenting needs
 * `@opentelemetry/api` alone, and a process that registers its own SDK (or
 * none) never loads these.
 */
import { loadPeer } from "./load-peer.js";

const NEEDED_BY = "startOtel() of @kled/runtime/otel";

export async function loadOtelSdk() {
  const [node, prometheus] = await Promise.all([
    loadPeer("@opentelemetry/sdk-node", NEEDED_BY, () => import("@opentelemetry/sdk-node")),
    loadPeer("@opentelemetry/exporter-prometheus", NEEDED_BY, () => import("@opentelemetry/exporter-prometheus")),
  ]);
  return { NodeSDK: node.NodeSDK, PrometheusExporter: prometheus.PrometheusExporter };
}
