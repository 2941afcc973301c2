/**
 * RPC over NATS (`transport: "nats"`) keeps one trace: the client span's
 * context travels in the call's metadata over NATS as over gRPC, so the
 * chain caller → A → B has the same parent links on both transports.
 */
import { context, metrics, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRegistry, NATS_SUBJECT_METADATA_KEY, Service, silentLogger, type TransportOption } from "@kled/runtime";
import { otel } from "@kled/runtime/otel";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { requireNats } from "../support/services.js";
import { parentOf, spanNamed } from "./support/spans.js";

const ECHO = "kled.test.v1.EchoService/Echo";
const nats = await requireNats();
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const services: Service[] = [];

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
  await tracerProvider.shutdown();
});

describe.skipIf(nats.skip !== undefined)("traces over the NATS transport", () => {
  it("links caller → A → B with client and server spans, every call carried by NATS", async () => {
    const registry = new MemoryRegistry();
    const common = { registry, transport: nats.url as TransportOption, logger: silentLogger, deregisterDelayMs: 0, plugins: [otel({ sdk: false })] };
    const b = new Service({ name: "otel-nats-b", ...common });
    registerEchoServiceHandler(b.server, new EchoHandler());
    const a = new Service({ name: "otel-nats-a", ...common });
    const aHandler = new EchoHandler();
    aHandler.onEcho = async (request) => {
      const reply = await createEchoServiceClient(a.client, { service: "otel-nats-b" }).echo({ text: request.text });
      return { fromB: reply.text };
    };
    registerEchoServiceHandler(a.server, aHandler);
    const caller = new Service({ name: "otel-nats-caller", ...common });
    services.push(b, a, caller);
    await Promise.all([a.start(), b.start(), caller.start()]);
    // Nodes that advertise a subject are called over NATS.
    for (const name of ["otel-nats-a", "otel-nats-b"]) {
      expect((await registry.getService(name))[0]?.nodes[0]?.metadata[NATS_SUBJECT_METADATA_KEY], name).toMatch(/^kled\.rpc\./);
    }

    exporter.reset();
    await createEchoServiceClient(caller.client, { service: "otel-nats-a" }).echo({ text: "over nats" });
    const spans = exporter.getFinishedSpans();
    const clients = spans.filter((s) => s.name === ECHO && s.kind === SpanKind.CLIENT);
    const servers = spans.filter((s) => s.name === ECHO && s.kind === SpanKind.SERVER);
    expect(clients).toHaveLength(2);
    expect(servers).toHaveLength(2);
    const outer = clients.find((s) => parentOf(s) === undefined)!;
    const serverA = servers.find((s) => parentOf(s) === outer.spanContext().spanId)!;
    const inner = spanNamed(clients.filter((s) => s !== outer), ECHO, SpanKind.CLIENT);
    const serverB = servers.find((s) => s !== serverA)!;
    expect(serverA).toBeDefined();
    expect(parentOf(inner)).toBe(serverA.spanContext().spanId);
    expect(parentOf(serverB)).toBe(inner.spanContext().spanId);
    for (const span of [serverA, inner, serverB]) expect(span.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(serverB.attributes).toMatchObject({ "rpc.method": ECHO, "rpc.response.status_code": "OK" });
  });
});
