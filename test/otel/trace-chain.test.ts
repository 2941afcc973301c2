/**
 * One trace across client → service A → service B → outbox → relay →
 * consumer, recorded by the SDK startOtel() registers, with an in-memory
 * span exporter; errors and retries on the client span; trace ids in log
 * lines; and a Prometheus scrape of the same process.
 */
import { randomBytes } from "node:crypto";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, consoleLogger, KledError, MemoryBroker, MemoryRegistry, Service, silentLogger, type Broker } from "@kled/runtime";
import { Outbox, OutboxMessageSchema, OutboxRelay, withTransaction } from "@kled/runtime/mikro-orm";
import { instrumentBroker, instrumentOutbox, otel, startOtel, type OtelHandle } from "@kled/runtime/otel";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { outboxTopic } from "../data/support/outbox-topics.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";
import { freePort } from "../support/free-port.js";
import { histogramCounts, parseScrape } from "./support/prometheus.js";
import { parentOf, spanNamed, until } from "./support/spans.js";

const ECHO = "kled.test.v1.EchoService/Echo";
const exporter = new InMemorySpanExporter();
const logLines: string[] = [];
const topic = outboxTopic(randomBytes(4).toString("hex"));

let handle: OtelHandle;
let db: TestDatabase;
let broker: Broker;
let relay: OutboxRelay;
let registry: MemoryRegistry;
let client: Service;
let a: Service;
let b: Service;
let bHandler: EchoHandler;
const consumed: { text: string; logged: boolean }[] = [];

beforeAll(async () => {
  process.env["OTEL_LOGS_EXPORTER"] = "none";
  handle = await startOtel({
    serviceName: "kled-otel-test",
    metrics: { port: await freePort() },
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  db = await openTestDatabase([OutboxMessageSchema]);
  const outbox = instrumentOutbox(new Outbox());
  broker = instrumentBroker(new MemoryBroker({ logger: silentLogger }));
  relay = new OutboxRelay({ database: db.database, broker, topics: [topic], pollIntervalMs: 60_000 }).start();
  const consumerLogger = consoleLogger({ format: "json", write: (line) => logLines.push(line) });
  await broker.subscribe(topic, (message) => {
    consumerLogger.info("consumed", { text: message.text });
    consumed.push({ text: message.text, logged: true });
  });

  registry = new MemoryRegistry();
  const plugins = [otel({ sdk: false })];
  b = new Service({ name: "b", registry, plugins, logger: consoleLogger({ format: "json", write: (line) => logLines.push(line) }) });
  bHandler = new EchoHandler();
  bHandler.onEcho = async (request, context) => {
    context.logger.info("b handling", { text: request.text });
    await withTransaction(db.database, ({ em }) => outbox.publish(em, topic, { text: request.text }));
    return {};
  };
  registerEchoServiceHandler(b.server, bHandler);
  a = new Service({ name: "a", registry, plugins, logger: silentLogger });
  const aHandler = new EchoHandler();
  aHandler.onEcho = async (request) => {
    const reply = await createEchoServiceClient(a.client, { service: "b" }).echo({ text: request.text, failCode: request.failCode });
    return { fromB: reply.text };
  };
  registerEchoServiceHandler(a.server, aHandler);
  client = new Service({ name: "caller", registry, plugins, logger: silentLogger });
  await Promise.all([a.start(), b.start(), client.start()]);
});

afterAll(async () => {
  await Promise.all([client?.stop(), a?.stop(), b?.stop()]);
  await relay?.stop();
  await broker?.close();
  await db?.cleanup();
  await handle?.shutdown();
});

describe("one trace from the client to the outbox consumer", () => {
  it("links client → A → B → create (outbox) → send (relay) and process (consumer) with kinds and attributes", async () => {
    exporter.reset();
    await createEchoServiceClient(client.client, { service: "a" }).echo({ text: "chain" });
    await until(() => consumed.some((c) => c.text === "chain") && exporter.getFinishedSpans().some((s) => s.name === `process ${topic.name}`), "consumer span");
    const spans = exporter.getFinishedSpans();

    const root = spanNamed(spans, ECHO, SpanKind.CLIENT, 0);
    const serverA = spanNamed(spans, ECHO, SpanKind.SERVER, 0);
    const clientAB = spanNamed(spans, ECHO, SpanKind.CLIENT, 1);
    const serverB = spanNamed(spans, ECHO, SpanKind.SERVER, 1);
    const create = spanNamed(spans, `create ${topic.name}`, SpanKind.PRODUCER);
    const send = spanNamed(spans, `send ${topic.name}`, SpanKind.CLIENT);
    const processSpan = spanNamed(spans, `process ${topic.name}`, SpanKind.CONSUMER);

    // Spans end innermost first, so the outer client span is the last ECHO client span to finish.
    const [outerClient, innerClient] = parentOf(root) === undefined ? [root, clientAB] : [clientAB, root];
    const [outerServer, innerServer] = parentOf(serverA) === outerClient.spanContext().spanId ? [serverA, serverB] : [serverB, serverA];
    const traceId = outerClient.spanContext().traceId;
    for (const span of [outerServer, innerClient, innerServer, create, send, processSpan]) expect(span.spanContext().traceId).toBe(traceId);
    expect(parentOf(outerClient)).toBeUndefined();
    expect(parentOf(outerServer)).toBe(outerClient.spanContext().spanId);
    expect(parentOf(innerClient)).toBe(outerServer.spanContext().spanId);
    expect(parentOf(innerServer)).toBe(innerClient.spanContext().spanId);
    expect(parentOf(create)).toBe(innerServer.spanContext().spanId);
    expect(parentOf(send)).toBe(create.spanContext().spanId);
    expect(parentOf(processSpan)).toBe(create.spanContext().spanId);

    expect(outerClient.attributes).toMatchObject({
      "rpc.system.name": "grpc",
      "rpc.method": ECHO,
      "rpc.response.status_code": "OK",
      "server.address": "a",
    });
    expect(innerServer.attributes).toMatchObject({
      "rpc.system.name": "grpc",
      "rpc.method": ECHO,
      "rpc.response.status_code": "OK",
      "server.address": "127.0.0.1",
      "server.port": Number(b.address?.split(":").pop()),
      "client.address": "127.0.0.1",
    });
    expect(outerServer.status.code).toBe(SpanStatusCode.UNSET);
    expect(create.attributes).toMatchObject({
      "messaging.operation.type": "create",
      "messaging.destination.name": topic.name,
    });
    expect(processSpan.attributes).toMatchObject({
      "messaging.system": "memory",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": topic.name,
      "kled.messaging.delivery_count": 1,
    });
    expect(send.attributes).toMatchObject({ "messaging.system": "memory", "messaging.operation.type": "send" });
  });

  it("writes trace_id and span_id on log lines written inside a span", async () => {
    logLines.length = 0;
    exporter.reset();
    await createEchoServiceClient(client.client, { service: "a" }).echo({ text: "logged" });
    await until(() => consumed.some((c) => c.text === "logged") && exporter.getFinishedSpans().some((s) => s.name === `process ${topic.name}`), "consumer span");
    const spans = exporter.getFinishedSpans();
    const records = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const handling = records.find((r) => r["msg"] === "b handling");
    const served = records.find((r) => r["msg"] === "call served");
    const consumedLine = records.find((r) => r["msg"] === "consumed" && r["text"] === "logged");
    const serverB = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes["server.port"] === Number(b.address?.split(":").pop()));
    const processSpan = spanNamed(spans, `process ${topic.name}`, SpanKind.CONSUMER);
    expect(handling).toMatchObject({ trace_id: serverB?.spanContext().traceId, span_id: serverB?.spanContext().spanId });
    // Call logging runs inside the plugin's middleware: its line belongs to the span too.
    expect(served).toMatchObject({ trace_id: serverB?.spanContext().traceId, span_id: serverB?.spanContext().spanId });
    expect(consumedLine).toMatchObject({ trace_id: processSpan.spanContext().traceId, span_id: processSpan.spanContext().spanId });
    // Lines outside any span carry no ids.
    consoleLogger({ format: "json", write: (line) => logLines.push(line) }).info("outside");
    expect(JSON.parse(logLines.at(-1) ?? "{}")).not.toHaveProperty("trace_id");
  });

  it("marks a failed call: ERROR on the client span, the status code on both, UNSET on a server span of a caller's error", async () => {
    exporter.reset();
    const call = createEchoServiceClient(client.client, { service: "b" }).echo({ text: "missing", failCode: Code.NotFound });
    await expect(call).rejects.toMatchObject({ code: Code.NotFound });
    const spans = exporter.getFinishedSpans();
    const clientSpan = spanNamed(spans, ECHO, SpanKind.CLIENT);
    const serverSpan = spanNamed(spans, ECHO, SpanKind.SERVER);
    expect(clientSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(clientSpan.attributes).toMatchObject({ "rpc.response.status_code": "NOT_FOUND", "error.type": "NOT_FOUND" });
    expect(clientSpan.events.map((e) => e.name)).toContain("exception");
    expect(serverSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(serverSpan.attributes).toMatchObject({ "rpc.response.status_code": "NOT_FOUND", "error.type": "NOT_FOUND" });
  });

  it("records retries as events of the one client span, each attempt a server span below it", async () => {
    exporter.reset();
    const call = createEchoServiceClient(client.client, { service: "b" }).echo({ text: "down", failCode: Code.Unavailable });
    await expect(call).rejects.toBeInstanceOf(KledError);
    const spans = exporter.getFinishedSpans();
    const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    const serverSpans = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(clientSpans).toHaveLength(1);
    const clientSpan = clientSpans[0]!;
    expect(serverSpans).toHaveLength(3); // DEFAULT_MAX_ATTEMPTS
    for (const server of serverSpans) {
      expect(parentOf(server)).toBe(clientSpan.spanContext().spanId);
      expect(server.status.code).toBe(SpanStatusCode.ERROR); // UNAVAILABLE is a server fault
    }
    const retries = clientSpan.events.filter((e) => e.name === "kled.retry");
    expect(retries.map((e) => e.attributes?.["kled.retry.attempt"])).toEqual([2, 3]);
    expect(retries[0]?.attributes).toMatchObject({ "error.type": "UNAVAILABLE" });
    expect(clientSpan.attributes).toMatchObject({ "rpc.response.status_code": "UNAVAILABLE" });
  });
});

describe("the Prometheus endpoint", () => {
  // The exporter names a metric after the instrument without a unit suffix
  // (rpc_server_call_duration, with "# UNIT … s"): its behaviour, not ours.
  it("serves the call duration histograms in seconds with the conventions' labels", async () => {
    await createEchoServiceClient(client.client, { service: "a" }).echo({ text: "scraped" });
    const response = await fetch(handle.metricsUrl ?? "");
    expect(response.status).toBe(200);
    const text = await response.text();
    const families = parseScrape(text);

    for (const name of ["rpc_server_call_duration", "rpc_client_call_duration", "messaging_process_duration"]) {
      expect(families.get(name)?.type, name).toBe("HISTOGRAM");
      // The conventions' advised boundaries, in seconds.
      expect(Object.keys(families.get(name)?.metrics[0]?.buckets ?? {}), name).toEqual(expect.arrayContaining(["0.005", "0.1", "10", "+Inf"]));
    }
    const served = histogramCounts(text, "rpc_server_call_duration");
    expect(served).toContainEqual({
      labels: expect.objectContaining({
        rpc_system_name: "grpc",
        rpc_method: ECHO,
        rpc_response_status_code: "OK",
        server_address: "127.0.0.1",
        server_port: b.address?.split(":").pop(),
      }),
      count: expect.any(Number),
    });
    const made = histogramCounts(text, "rpc_client_call_duration");
    // The retried call of the earlier test: one client measurement, labelled with its final status.
    expect(made).toContainEqual({
      labels: expect.objectContaining({ rpc_method: ECHO, server_address: "b", rpc_response_status_code: "UNAVAILABLE", error_type: "UNAVAILABLE" }),
      count: 1,
    });
    expect(histogramCounts(text, "messaging_process_duration")).toContainEqual({
      labels: expect.objectContaining({ messaging_system: "memory", messaging_destination_name: topic.name, messaging_operation_name: "process" }),
      count: expect.any(Number),
    });
    expect(families.get("kled_rpc_client_retries_total")?.metrics).toContainEqual({
      labels: expect.objectContaining({ kled_service: "b", rpc_method: ECHO }),
      value: "2",
    });
    expect(families.get("messaging_client_sent_messages_total")?.type).toBe("COUNTER");
    expect(families.get("kled_rpc_server_active_calls")?.metrics.every((m) => m.value === "0")).toBe(true);
  });
});
