/**
 * With @opentelemetry/api installed but no SDK registered, the plugin steps
 * aside: calls pass untouched (an inherited traceparent travels on as the
 * core propagates it), nothing is recorded, log lines carry no ids; and it
 * starts recording once providers are registered, as an SDK started after
 * the service was built registers them.
 */
import { metrics, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { otel, Telemetry, traceLogFields } from "@kled/runtime/otel";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const registry = new MemoryRegistry();
const service = new Service({ name: "no-sdk", registry, logger: silentLogger, plugins: [otel({ sdk: false })] });
const handler = new EchoHandler();
let logFields: unknown = "unset";
handler.onEcho = async () => {
  logFields = traceLogFields();
  return {};
};
registerEchoServiceHandler(service.server, handler);
await service.start();
afterAll(() => service.stop());

describe("without an SDK", () => {
  it("passes calls through untouched and records nothing", async () => {
    expect(new Telemetry().enabled).toBe(false);
    const reply = await createEchoServiceClient(service.client, { service: "no-sdk" }).echo({ text: "plain" }, { metadata: { traceparent: TRACEPARENT } });
    expect(reply.metadata["traceparent"]).toBe(TRACEPARENT);
    expect(logFields).toBeUndefined();
  });

  it("records once a tracer provider is registered", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      expect(new Telemetry().enabled).toBe(true);
      await createEchoServiceClient(service.client, { service: "no-sdk" }).echo({ text: "traced" });
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["kled.test.v1.EchoService/Echo", "kled.test.v1.EchoService/Echo"]);
    } finally {
      trace.disable();
      metrics.disable();
      await provider.shutdown();
    }
  });
});
