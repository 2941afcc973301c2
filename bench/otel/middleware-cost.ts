/**
 * What the otel middleware costs one unary call in-process, without the
 * network: the client and server middleware around a handler that answers
 * at once, the client's metadata handed to the server as grpc-js metadata.
 * The otel suite measures the same through gRPC, where this is a fraction
 * of the call; here it is all there is, so a change of a microsecond shows.
 * Not part of `npm run bench`; it runs the compiled runtime (build it
 * first: npm run build -w runtime), as the suite does.
 *   nosdk   the middleware with no SDK registered
 *   traced  the middleware with the SDK as startOtel registers it (spans
 *           batched to an exporter that drops them, metrics aggregated)
 *   floor   no middleware: the OpenTelemetry calls it makes per call
 *           (extract, inject, two spans, two contexts made active, two
 *           histogram records, same attributes), made directly on the same
 *           SDK; traced minus floor is what Kled's own code adds
 * Usage: node --import tsx bench/otel/middleware-cost.ts <nosdk|traced|floor> [seconds [calls]]
 * With `calls`, exactly that many after a warm-up of 20,000, however long
 * they take (for instruction counts under valgrind --tool=callgrind).
 */
import { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { clientTelemetry, DURATION_BUCKETS_S, serverTelemetry, startOtel, Telemetry } from "@kled/runtime/otel";
import { Metadata, type ClientRequest, type ServerRequest } from "@kled/runtime";
// Not exported: the view of grpc-js metadata the server's middleware reads (from the sources, which
// tsx compiles: the type-check of a fresh checkout has no dist/ yet).
import { GrpcMetadataView } from "../../runtime/src/context/grpc-metadata-view.js";
import { noopSpanExporter } from "./noop-exporter.js";

const MODES = ["nosdk", "traced", "floor"] as const;
const [mode = "traced", seconds = "3", fixedCalls] = process.argv.slice(2);
if (!MODES.some((known) => known === mode)) throw new Error(`usage: middleware-cost.ts <${MODES.join("|")}> [seconds [calls]]`);

const sdk =
  mode === "nosdk"
    ? undefined
    : await startOtel({ serviceName: "bench.otel.cost", spanProcessors: [new BatchSpanProcessor({ exporter: noopSpanExporter })], logTraceIds: false });

const PATH = "/kled.test.v1.EchoService/Echo";
const METHOD = "kled.test.v1.EchoService/Echo";
const SERVICE = "kled.test.v1.EchoService";
const method = { path: PATH };
const message = {};
const answer = Promise.resolve({ stream: false as const, message });

/** What the transport does between the sides: the client's metadata as the server receives it. */
function received(metadata: Metadata): GrpcMetadataView {
  const grpc = new GrpcMetadata();
  for (const [key, value] of metadata.entries()) grpc.set(key, value as string);
  return new GrpcMetadataView(grpc);
}

function middlewareCall(): () => Promise<unknown> {
  const telemetry = new Telemetry();
  const server = serverTelemetry(telemetry, () => "127.0.0.1:50051")(() => answer as never);
  const client = clientTelemetry(telemetry)(async (request) => {
    const call = { metadata: received(request.metadata), peer: "127.0.0.1:40000" };
    return server({ stream: false, method, context: call, message } as unknown as ServerRequest) as never;
  });
  return () => client({ stream: false, method, serviceName: SERVICE, address: undefined, metadata: new Metadata(), message } as unknown as ClientRequest);
}

// The floor's carriers, as runtime/src/otel/carriers.ts writes them.
const metadataGetter: TextMapGetter<GrpcMetadataView> = {
  keys: (carrier) => [...carrier.entries()].map(([key]) => key),
  get: (carrier, key) => carrier.get(key),
};
const metadataSetter: TextMapSetter<Metadata> = { set: (carrier, key, value) => void carrier.set(key, value) };

function floorCall(): () => Promise<unknown> {
  const tracer = trace.getTracer("bench.otel.floor");
  const meter = metrics.getMeter("bench.otel.floor");
  const histogram = (name: string) => meter.createHistogram(name, { unit: "s", advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] } });
  const serverDuration = histogram("server");
  const clientDuration = histogram("client");
  const base = { "rpc.system.name": "grpc", "rpc.method": METHOD };
  const server = { ...base, "server.address": "127.0.0.1", "server.port": 50051 };
  const serverSpan: Attributes = Object.freeze({ ...server, "client.address": "127.0.0.1", "client.port": 40000 });
  const serverSet: Attributes = Object.freeze({ ...server, "rpc.response.status_code": "OK" });
  const clientSpan: Attributes = Object.freeze({ ...base, "server.address": SERVICE });
  const clientSet: Attributes = Object.freeze({ ...clientSpan, "rpc.response.status_code": "OK" });
  const serve = async (metadata: GrpcMetadataView) => {
    const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
    const span = tracer.startSpan(METHOD, { kind: SpanKind.SERVER, attributes: serverSpan }, parent);
    const started = performance.now();
    const response = await context.with(trace.setSpan(parent, span), () => answer);
    span.setAttribute("rpc.response.status_code", "OK");
    span.end();
    serverDuration.record((performance.now() - started) / 1000, serverSet);
    return response;
  };
  return async () => {
    const metadata = new Metadata();
    const parent = context.active();
    const span = tracer.startSpan(METHOD, { kind: SpanKind.CLIENT, attributes: clientSpan }, parent);
    const active = trace.setSpan(parent, span);
    propagation.inject(active, metadata, metadataSetter);
    const started = performance.now();
    const response = await context.with(active, () => serve(received(metadata)));
    span.setAttribute("rpc.response.status_code", "OK");
    span.end();
    clientDuration.record((performance.now() - started) / 1000, clientSet);
    return response;
  };
}

const call = mode === "floor" ? floorCall() : middlewareCall();

async function run(ms: number, limit = Infinity): Promise<number> {
  const end = performance.now() + ms;
  let calls = 0;
  let issued = 0;
  // 64 in flight, as the suite's closed loop keeps.
  const worker = async () => {
    while (performance.now() < end && issued++ < limit) {
      await call();
      calls++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return calls;
}

await (fixedCalls === undefined ? run(1000) : run(Infinity, 20_000));
const started = performance.now();
const cpu = process.cpuUsage();
const calls = await (fixedCalls === undefined ? run(Number(seconds) * 1000) : run(Infinity, Number(fixedCalls)));
const used = process.cpuUsage(cpu);
const elapsed = performance.now() - started;
console.log(`${mode}: ${calls} calls in ${elapsed.toFixed(0)} ms, ${((1000 * elapsed) / calls).toFixed(2)} µs/call wall, ${((used.user + used.system) / calls).toFixed(2)} µs/call CPU`);
await sdk?.shutdown();
