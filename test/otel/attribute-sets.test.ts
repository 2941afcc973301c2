/**
 * The middleware builds each attribute set once per method, target and
 * status instead of once per call (the objects were a large share of what
 * tracing cost a small call): two calls alike record the very same
 * metric attributes, a failed call its own set, and the spans keep every
 * attribute, the caller's address included.
 */
import { createNoopMeter, type Attributes, type Histogram, type Meter, type MeterProvider } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { Code, KledError, Metadata } from "@kled/runtime";
import { clientTelemetry } from "../../runtime/src/otel/client-middleware.js";
import { serverTelemetry } from "../../runtime/src/otel/server-middleware.js";
import { Telemetry } from "../../runtime/src/otel/telemetry.js";

/** A meter provider whose histograms keep the attribute objects they were given, by instrument name. */
function recordingMeter(): { meterProvider: MeterProvider; recorded: Map<string, Attributes[]> } {
  const recorded = new Map<string, Attributes[]>();
  const noop = createNoopMeter();
  const meter: Meter = Object.assign(Object.create(noop) as Meter, {
    createHistogram(name: string): Histogram {
      const list: Attributes[] = [];
      recorded.set(name, list);
      return { record: (_value: number, attributes?: Attributes) => void list.push(attributes ?? {}) };
    },
  });
  return { meterProvider: { getMeter: () => meter }, recorded };
}

const method = { path: "/kled.test.v1.EchoService/Echo" };
const response = { stream: false, message: {} };

function setup() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const { meterProvider, recorded } = recordingMeter();
  const telemetry = new Telemetry({ tracerProvider, meterProvider });
  return { exporter, recorded, telemetry, tracerProvider };
}

describe("otel attribute sets", () => {
  it("server: one metric attribute set per method and status, spans with every attribute", async () => {
    const { exporter, recorded, telemetry, tracerProvider } = setup();
    let fail = false;
    const served = serverTelemetry(telemetry, () => "127.0.0.1:50051")((() =>
      fail ? Promise.reject(new KledError(Code.Unavailable, "down")) : Promise.resolve(response)) as never);
    const serve = () =>
      served({ method, context: { metadata: new Metadata(), peer: "ipv4:127.0.0.1:40000" }, stream: false, message: {} } as never);
    await serve();
    await serve();
    fail = true;
    await expect(serve()).rejects.toThrow("down");

    const sets = recorded.get("rpc.server.call.duration") ?? [];
    expect(sets).toHaveLength(3);
    expect(sets[1]).toBe(sets[0]);
    expect(sets[0]).toEqual({
      "rpc.system.name": "grpc",
      "rpc.method": "kled.test.v1.EchoService/Echo",
      "server.address": "127.0.0.1",
      "server.port": 50051,
      "rpc.response.status_code": "OK",
    });
    expect(sets[2]).toMatchObject({ "rpc.response.status_code": "UNAVAILABLE", "error.type": "UNAVAILABLE" });
    expect(sets[0]).not.toHaveProperty("error.type");

    await tracerProvider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(3);
    for (const span of spans) {
      expect(span.attributes).toMatchObject({ "client.address": "127.0.0.1", "client.port": 40000, "server.port": 50051 });
    }
    expect(spans[2]?.attributes["error.type"]).toBe("UNAVAILABLE");
    expect(spans[0]?.attributes).not.toHaveProperty("error.type");
  });

  it("client: one metric attribute set per method, target and status", async () => {
    const { exporter, recorded, telemetry, tracerProvider } = setup();
    const made = clientTelemetry(telemetry)((() => Promise.resolve(response)) as never);
    const call = (address: string | undefined) =>
      made({ method, address, serviceName: "kled.test.v1.EchoService", metadata: new Metadata(), stream: false, message: {} } as never);
    await call(undefined);
    await call(undefined);
    await call("10.0.0.7:7000");

    const sets = recorded.get("rpc.client.call.duration") ?? [];
    expect(sets).toHaveLength(3);
    expect(sets[1]).toBe(sets[0]);
    expect(sets[0]).toMatchObject({ "server.address": "kled.test.v1.EchoService", "rpc.response.status_code": "OK" });
    expect(sets[0]).not.toHaveProperty("server.port");
    expect(sets[2]).toMatchObject({ "server.address": "10.0.0.7", "server.port": 7000, "rpc.response.status_code": "OK" });
    await tracerProvider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.attributes["server.address"])).toEqual([
      "kled.test.v1.EchoService",
      "kled.test.v1.EchoService",
      "10.0.0.7",
    ]);
  });
});
