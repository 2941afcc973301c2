/**
 * The middleware builds each attribute set once per method, target and
 * status instead of once per call (the objects were a large share of what
 * tracing cost a small call): two calls alike record the very same
 * metric attributes, a failed call its own set, and the spans keep every
 * attribute, the caller's address included. Sets shared between calls must
 * never carry one call's attributes into another's span or series.
 */
import { createNoopMeter, type Attributes, type Histogram, type Meter, type MeterProvider } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { Code, KledError, Metadata } from "@kled/runtime";
import { ATTRIBUTE_CACHE_TARGETS, CallAttributeCache } from "../../runtime/src/otel/attribute-cache.js";
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

  it("server: callers that take turns each get their own address on their spans, and share the metric sets", async () => {
    const { exporter, recorded, telemetry, tracerProvider } = setup();
    let fail = false;
    const served = serverTelemetry(telemetry, () => "127.0.0.1:50051")((() =>
      fail ? Promise.reject(new KledError(Code.Internal, "broken")) : Promise.resolve(response)) as never);
    const serve = (peer: string) => served({ method, context: { metadata: new Metadata(), peer }, stream: false, message: {} } as never);
    const peers = ["ipv4:10.0.0.1:40001", "ipv4:10.0.0.2:40002", "ipv4:10.0.0.1:40001", "[::1]:40003", "ipv4:10.0.0.2:40002"];
    for (const peer of peers.slice(0, 3)) await serve(peer);
    fail = true;
    await expect(serve(peers[3]!)).rejects.toThrow("broken");
    fail = false;
    await serve(peers[4]!);

    await tracerProvider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.attributes["client.address"], span.attributes["client.port"]])).toEqual([
      ["10.0.0.1", 40001],
      ["10.0.0.2", 40002],
      ["10.0.0.1", 40001],
      ["::1", 40003],
      ["10.0.0.2", 40002],
    ]);
    // The failed call's status stays on its own span: the next call of a caller seen before has none of it.
    expect(spans[3]?.attributes).toMatchObject({ "rpc.response.status_code": "INTERNAL", "error.type": "INTERNAL" });
    expect(spans[4]?.attributes["rpc.response.status_code"]).toBe("OK");
    expect(spans[4]?.attributes).not.toHaveProperty("error.type");
    // The SDK copies a span's start attributes: the status set on one span never reaches the shared set.
    expect(spans[0]?.attributes).not.toHaveProperty("error.type");

    const sets = recorded.get("rpc.server.call.duration") ?? [];
    expect(new Set([sets[0], sets[1], sets[2], sets[4]]).size).toBe(1);
    expect(sets[0]).not.toHaveProperty("client.address");
    expect(sets[0]).not.toHaveProperty("error.type");
    expect(sets[3]).toMatchObject({ "rpc.response.status_code": "INTERNAL", "error.type": "INTERNAL" });
    expect(Object.isFrozen(sets[0])).toBe(true);
  });

  it("server: sets built before the address was known are built again once it is, and kept", async () => {
    const { exporter, recorded, telemetry, tracerProvider } = setup();
    let address: string | undefined;
    const served = serverTelemetry(telemetry, () => address)((() => Promise.resolve(response)) as never);
    const serve = () => served({ method, context: { metadata: new Metadata(), peer: "ipv4:127.0.0.1:40000" }, stream: false, message: {} } as never);
    await serve();
    await serve();
    address = "127.0.0.1:50051";
    await serve();
    await serve();

    const sets = recorded.get("rpc.server.call.duration") ?? [];
    expect(sets[1]).toBe(sets[0]);
    expect(sets[0]).not.toHaveProperty("server.address");
    expect(sets[2]).toMatchObject({ "server.address": "127.0.0.1", "server.port": 50051 });
    expect(sets[3]).toBe(sets[2]);
    await tracerProvider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.attributes["server.port"])).toEqual([undefined, undefined, 50051, 50051]);
    expect(spans.every((span) => span.attributes["client.port"] === 40000)).toBe(true);
  });

  it("the cache starts over past its limit, and what it hands out afterwards has the same values", () => {
    const cache = new CallAttributeCache();
    const build = (path: string, target: string) => ({ "rpc.method": path, "server.address": target });
    const first = cache.get("/a.S/M", "t0", build);
    expect(cache.get("/a.S/M", "t0", build)).toBe(first);
    for (let i = 1; i < ATTRIBUTE_CACHE_TARGETS; i++) cache.get("/a.S/M", `t${i}`, build);
    expect(cache.get("/a.S/M", "t0", build)).toBe(first);
    // One more target: the cache forgets the others and keeps the new one.
    const late = cache.get("/a.S/N", "late", build);
    expect(cache.get("/a.S/N", "late", build)).toBe(late);
    const again = cache.get("/a.S/M", "t0", build);
    expect(again).not.toBe(first);
    expect(again.base).toEqual(first.base);
    expect(cache.get("/a.S/M", "t0", build)).toBe(again);
  });
});
