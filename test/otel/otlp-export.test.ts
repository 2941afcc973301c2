/**
 * The standard configuration path: the otel() plugin starts the SDK when the
 * service starts, the OTEL_* variables choose OTLP over HTTP and where to,
 * the service name comes from Kled, and stopping the service flushes the
 * spans to a collector — here a small HTTP server of the test.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { metricsEndpointFromEnv, otel, startOtel } from "@kled/runtime/otel";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

const received: Received[] = [];
const collector = createServer((request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    received.push({ path: request.url ?? "", contentType: request.headers["content-type"], body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const { port } = collector.address() as AddressInfo;
  Object.assign(process.env, {
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  });
});

afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

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
    const { port } = collector.address() as AddressInfo;
    await expect(startOtel({ serviceName: "taken", metrics: { port } })).rejects.toThrow(
      new RegExp(`metrics endpoint 127\\.0\\.0\\.1:${port}: cannot listen \\(.*EADDRINUSE.*\\); choose another port`),
    );
  });
});
