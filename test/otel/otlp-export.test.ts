/**
 * The standard configuration path: the otel() plugin starts the SDK when the
 * service starts, the OTEL_* variables choose OTLP over HTTP and where to,
 * the service name comes from Kled, and stopping the service flushes the
 * spans to a collector — here the small OTLP/HTTP receiver the demo uses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { metricsEndpointFromEnv, otel, startOtel } from "@kled/runtime/otel";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { OtlpReceiver } from "../../examples/src/demo/otlp-receiver.js";

const collector = new OtlpReceiver();
const received = collector.requests;

beforeAll(async () => {
  await collector.listen();
  Object.assign(process.env, collector.env());
});

afterAll(() => collector.close());

interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string }; spans: { name: string; kind: number; attributes: { key: string; value: { stringValue?: string } }[] }[] }[];
  }[];
}

describe("OTLP over HTTP", () => {
  it("exports the service's spans, named after the Kled service, to the collector OTEL_EXPORTER_OTLP_ENDPOINT names", async () => {
    const registry = new MemoryRegistry();
    const service = new Service({ name: "otlp-echo", registry, logger: silentLogger, plugins: [otel()] });
    registerEchoServiceHandler(service.server, new EchoHandler());
    await service.start();
    try {
      await createEchoServiceClient(service.client, { service: "otlp-echo" }).echo({ text: "exported" });
    } finally {
      await service.stop(); // shuts the SDK down, which flushes the batch
    }
    const traces = received.filter((r) => r.path === "/v1/traces");
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]?.contentType).toBe("application/json");
    const resourceSpans = traces.flatMap((r) => (r.body as OtlpTraces).resourceSpans);
    const serviceNames = resourceSpans.flatMap((rs) => rs.resource.attributes.filter((a) => a.key === "service.name").map((a) => a.value.stringValue));
    expect(new Set(serviceNames)).toEqual(new Set(["otlp-echo"]));
    const spans = resourceSpans.flatMap((rs) => rs.scopeSpans.filter((ss) => ss.scope.name === "@kled/runtime/otel").flatMap((ss) => ss.spans));
    // OTLP span kinds: 2 server, 3 client.
    expect(spans.map((s) => [s.name, s.kind]).sort()).toEqual([
      ["kled.test.v1.EchoService/Echo", 2],
      ["kled.test.v1.EchoService/Echo", 3],
    ]);
    const server = spans.find((s) => s.kind === 2);
    expect(server?.attributes).toContainEqual({ key: "rpc.system.name", value: { stringValue: "grpc" } });
    // The receiver's own reading, which the demo's trace tree is built from.
    const read = collector.spans().filter((s) => s.scope === "@kled/runtime/otel");
    const [readServer, readClient] = [read.find((s) => s.kind === 2), read.find((s) => s.kind === 3)];
    expect(readServer?.service).toBe("otlp-echo");
    expect(readServer?.parentSpanId).toBe(readClient?.spanId);
    expect(readServer?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(readServer?.attributes["rpc.system.name"]).toBe("grpc");
    expect(readServer!.endMs).toBeGreaterThanOrEqual(readServer!.startMs);
    expect(readClient?.parentSpanId).toBeUndefined();
  });
});

describe("KLED_METRICS_PORT", () => {
  it("takes a port or host:port, and refuses anything else naming the value", () => {
    expect(metricsEndpointFromEnv({})).toBeUndefined();
    expect(metricsEndpointFromEnv({ KLED_METRICS_PORT: "9464" })).toEqual({ port: 9464 });
    expect(metricsEndpointFromEnv({ KLED_METRICS_PORT: "0.0.0.0:9465" })).toEqual({ port: 9465, host: "0.0.0.0" });
    expect(() => metricsEndpointFromEnv({ KLED_METRICS_PORT: "http" })).toThrow(/KLED_METRICS_PORT="http" is not a port/);
    expect(() => metricsEndpointFromEnv({ KLED_METRICS_PORT: "70000" })).toThrow(/use a port such as 9464/);
  });
});

describe("the metrics endpoint", () => {
  it("fails the start, naming the address, when its port is taken", async () => {
    const { port } = collector;
    await expect(startOtel({ serviceName: "taken", metrics: { port } })).rejects.toThrow(
      new RegExp(`metrics endpoint 127\\.0\\.0\\.1:${port}: cannot listen \\(.*EADDRINUSE.*\\); choose another port`),
    );
  });
});
