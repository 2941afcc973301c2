/**
 * instrumentBroker over a real NATS JetStream broker: the creation context
 * travels in the message headers, a redelivered message's process
 * spans share the creation context as parent and count their delivery,
 * and a failing handler's span records the error.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@kled/runtime";
import { instrumentBroker } from "@kled/runtime/otel";
import { NatsBroker } from "@kled/runtime/nats";
import { requireNats } from "../support/services.js";
import { deleteNatsStreams } from "../broker/support/nats-streams.js";
import { uniqueTopic } from "../broker/support/topics.js";
import { parentOf, spanNamed, until } from "./support/spans.js";

const nats = await requireNats();
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const topic = uniqueTopic("otel");
let broker: NatsBroker | undefined;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
});

afterAll(async () => {
  await broker?.close();
  if (nats.skip === undefined) await deleteNatsStreams(nats.url, [topic]);
  trace.disable();
  context.disable();
  propagation.disable();
  await tracerProvider.shutdown();
});

describe.skipIf(nats.skip !== undefined)("instrumentBroker on NATS JetStream", () => {
  it("continues the publisher's trace in the consumer, on every delivery, and records the handler's failure", async () => {
    broker = new NatsBroker({ url: nats.url, logger: silentLogger, drainTimeoutMs: 5_000, retryDelayMs: 50, retryDelayMaxMs: 200 });
    const traced = instrumentBroker(broker);
    let deliveries = 0;
    await traced.subscribe(
      topic,
      (_message, delivery) => {
        deliveries++;
        if (delivery.deliveryCount === 1) throw new Error("first delivery fails");
      },
      { group: "audit" },
    );
    const parent = tracerProvider.getTracer("test").startSpan("request");
    await context.with(trace.setSpan(context.active(), parent), () => traced.publish(topic, { taskId: "t1" }));
    parent.end();
    await until(() => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER).length >= 2, "two deliveries");

    const spans = exporter.getFinishedSpans();
    const send = spanNamed(spans, `send ${topic.name}`, SpanKind.PRODUCER);
    const [first, second] = spans.filter((s) => s.kind === SpanKind.CONSUMER);
    expect(parentOf(send)).toBe(parent.spanContext().spanId);
    expect(send.attributes).toMatchObject({ "messaging.system": "nats", "messaging.destination.name": topic.name });
    expect(send.attributes["messaging.message.id"]).toEqual(expect.any(String));
    for (const consumer of [first, second]) {
      expect(consumer?.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(parentOf(consumer!)).toBe(send.spanContext().spanId);
      expect(consumer?.attributes).toMatchObject({ "messaging.consumer.group.name": "audit", "messaging.message.id": send.attributes["messaging.message.id"] });
    }
    expect(first?.attributes["kled.messaging.delivery_count"]).toBe(1);
    expect(first?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: "first delivery fails" });
    expect(first?.attributes["error.type"]).toBe("Error");
    expect(second?.attributes["kled.messaging.delivery_count"]).toBe(2);
    expect(second?.status.code).toBe(SpanStatusCode.UNSET);
    expect(deliveries).toBe(2);
  });
});
