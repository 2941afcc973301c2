/**
 * The resilience policies' events on the call's CLIENT span and in the
 * metrics: a circuit that opens mid-call, the circuit state gauge, a
 * bulkhead rejection. Providers are registered globally by hand, as an SDK
 * would (tracer, meter, async-hooks context manager, W3C propagation).
 */
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, MetricReader, type DataPoint } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { otel } from "@kled/runtime/otel";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

/** A reader the test collects from when it wants. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const registry = new MemoryRegistry();
let flaky: Service;
let slow: Service;
let caller: Service;

async function points(name: string): Promise<DataPoint<number>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<number>[]));
}

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  flaky = new Service({ name: "flaky", registry, logger: silentLogger });
  registerEchoServiceHandler(flaky.server, new EchoHandler());
  slow = new Service({ name: "slow", registry, logger: silentLogger });
  registerEchoServiceHandler(slow.server, new EchoHandler());
  caller = new Service({
    name: "caller",
    registry,
    logger: silentLogger,
    plugins: [otel({ sdk: false })],
    resilience: {
      services: {
        // Two failures in a row open the circuit: the call's second attempt opens it.
        flaky: { retry: { maxAttempts: 3, initialDelayMs: 1 }, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } },
        // One call at a time, none waiting.
        slow: { bulkhead: { limit: 1, queue: 0 }, retry: { enabled: false } },
      },
    },
  });
  await Promise.all([flaky.start(), slow.start(), caller.start()]);
});

afterAll(async () => {
  await Promise.all([caller?.stop(), flaky?.stop(), slow?.stop()]);
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
});

describe("resilience events", () => {
  it("puts the retry and the circuit opening on the call's span and reports the circuit open", async () => {
    exporter.reset();
    const call = createEchoServiceClient(caller.client, { service: "flaky" }).echo({ text: "x", failCode: Code.Unavailable });
    await expect(call).rejects.toMatchObject({ code: Code.Unavailable });
    const clientSpans = exporter.getFinishedSpans().filter((s) => s.kind === 2 /* CLIENT */);
    expect(clientSpans).toHaveLength(1);
    const events = clientSpans[0]!.events.map((e) => e.name);
    expect(events).toContain("kled.retry");
    expect(events).toContain("kled.circuit_breaker.open");
    const opened = clientSpans[0]!.events.find((e) => e.name === "kled.circuit_breaker.open");
    expect(opened?.attributes).toMatchObject({ "kled.service": "flaky", "kled.node.id": flaky.nodeId, "error.type": "UNAVAILABLE" });
    expect(await points("kled.circuit_breaker.state")).toContainEqual(
      expect.objectContaining({ value: 2, attributes: { "kled.service": "flaky", "kled.node.id": flaky.nodeId } }),
    );
  });

  it("counts a bulkhead rejection and marks the rejected call's span", async () => {
    exporter.reset();
    const echo = createEchoServiceClient(caller.client, { service: "slow" });
    const first = echo.echo({ text: "slow", delayMs: 300 });
    const second = echo.echo({ text: "turned away" });
    await expect(second).rejects.toBeDefined();
    await first;
    const rejected = exporter.getFinishedSpans().find((s) => s.kind === 2 && s.events.some((e) => e.name === "kled.bulkhead.rejected"));
    expect(rejected?.status.code).toBe(2 /* ERROR */);
    expect(await points("kled.bulkhead.rejections")).toContainEqual(
      expect.objectContaining({ value: 1, attributes: { "kled.service": "slow", "rpc.method": "kled.test.v1.EchoService/Echo" } }),
    );
    // Both calls are over: nothing in flight.
    expect((await points("kled.rpc.client.active_calls")).every((p) => p.value === 0)).toBe(true);
  });
});
