/**
 * instrumentBroker over a real Redis Streams broker: the creation context
 * travels in the stream entry's headers, a redelivered message's process
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
import { RedisBroker } from "@kled/runtime/redis";
import { requireRedis } from "../support/services.js";
import { inspector, uniqueTopic } from "../broker/support/topics.js";
import { parentOf, spanNamed, until } from "./support/spans.js";

const redis = await requireRedis();
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const topic = uniqueTopic("otel");
const look = redis.skip === undefined ? inspector(redis.url) : undefined;
look?.forget(topic.name, `${topic.name}:dlq`);
let broker: RedisBroker | undefined;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
});

afterAll(async () => {
  await broker?.close();
  await look?.cleanup();
  trace.disable();
  context.disable();
  propagation.disable();
  await tracerProvider.shutdown();
});

describe.skipIf(redis.skip !== undefined)("instrumentBroker on Redis Streams", () => {
  it("continues the publisher's trace in the consumer, on every delivery, and records the handler's failure", async () => {
    broker = new RedisBroker({ url: redis.url, logger: silentLogger, drainTimeoutMs: 5_000, claimIdleMs: 100 });
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
    expect(send.attributes).toMatchObject({ "messaging.system": "redis", "messaging.destination.name": topic.name });
    expect(send.attributes["messaging.message.id"]).toMatch(/^\d+-\d+$/);
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
