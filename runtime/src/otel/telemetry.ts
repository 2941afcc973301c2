import {
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  trace,
  ValueType,
  type Attributes,
  type BatchObservableResult,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableGauge,
  type Tracer,
  type TracerProvider,
} from "../peers/opentelemetry.js";
import type { BrokerStatsSource } from "../broker/broker-stats.js";
import { ActiveCalls } from "./active-calls.js";
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  DURATION_BUCKETS_S,
  INSTRUMENTATION_SCOPE,
} from "./attributes.js";

// What the API hands out while nothing is registered: a proxy with no
// delegate answers with the no-op provider, the no-op meter provider with
// the no-op meter (both singletons).
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/** Where the instrumentation gets its tracer and meter; both default to the globally registered ones. */
export interface TelemetryProviders {
  /** Default: the global tracer provider (a no-op until an SDK registers one). */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global meter provider (a no-op until an SDK registers one). */
  readonly meterProvider?: MeterProvider;
}

/** The instruments Kled records to. Names follow the RPC and messaging semantic conventions. */
export interface Instruments {
  readonly serverDuration: Histogram;
  readonly clientDuration: Histogram;
  readonly retries: Counter;
  readonly bulkheadRejections: Counter;
  readonly rateLimited: Counter;
  readonly sent: Counter;
  readonly consumed: Counter;
  readonly processDuration: Histogram;
  readonly operationDuration: Histogram;
}

/**
 * The tracer and the instruments, resolved when first used and again when
 * the global provider changed: the API has no proxy for meters, so a meter
 * taken before the SDK registered would stay a no-op for good.
 */
export class Telemetry {
  readonly #providers: TelemetryProviders;
  #tracer: Tracer | undefined;
  #meterProvider: MeterProvider | undefined;
  #instruments: Instruments | undefined;
  #meterEnabled = false;

  constructor(providers: TelemetryProviders = {}) {
    this.#providers = providers;
  }

  /**
   * False while neither providers were given nor an SDK registered global
   * ones: the middleware then steps aside, so that instrumentation nobody
   * records costs a call two lookups and a comparison.
   */
  get enabled(): boolean {
    if (this.#providers.tracerProvider !== undefined || this.#providers.meterProvider !== undefined) return true;
    const tracerProvider = trace.getTracerProvider();
    if (!(tracerProvider instanceof ProxyTracerProvider) || tracerProvider.getDelegate() !== NOOP_TRACER_PROVIDER) return true;
    if (metrics.getMeterProvider() !== this.#meterProvider) void this.instruments;
    return this.#meterEnabled;
  }

  get tracer(): Tracer {
    // The global tracer provider is a proxy: a tracer taken early follows a later registration.
    return (this.#tracer ??= (this.#providers.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE));
  }

  get instruments(): Instruments {
    const provider = this.#providers.meterProvider ?? metrics.getMeterProvider();
    if (this.#instruments === undefined || provider !== this.#meterProvider) {
      this.#meterProvider = provider;
      const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
      this.#meterEnabled = meter !== NOOP_METER;
      this.#instruments = createInstruments(meter);
      observeProcessState(meter);
    }
    return this.#instruments;
  }

  /** Calls being served in this process, by method. */
  get serverActive(): ActiveCalls {
    return serverActive;
  }

  /** Calls in flight from this process's clients, by method. */
  get clientActive(): ActiveCalls {
    return clientActive;
  }

  /**
   * Reports what `source` (a broker) says of its backlog on
   * `kled.messaging.pending` and `kled.messaging.dead_letters`, read at each
   * collection; returns the function that stops it.
   */
  observeBroker(source: BrokerStatsSource, system: string): () => void {
    brokerSources.set(source, system);
    void this.instruments;
    return () => void brokerSources.delete(source);
  }

  /** Reports the rows `source` (an outbox relay) has yet to publish on `kled.outbox.backlog`; returns the function that stops it. */
  observeOutboxBacklog(source: BacklogSource): () => void {
    backlogSources.add(source);
    void this.instruments;
    return () => void backlogSources.delete(source);
  }

  /** Reports the circuits `source` lists on `kled.circuit_breaker.state`; returns the function that stops it. */
  observeBreakers(source: BreakerSource): () => void {
    breakerSources.add(source);
    void this.instruments;
    return () => void breakerSources.delete(source);
  }
}

// Process-wide state that observable instruments report: one set for the
// process however many services (each with its Telemetry) it runs, so that
// no two callbacks report the same series.
const serverActive = new ActiveCalls();
const clientActive = new ActiveCalls();
const breakerSources = new Set<BreakerSource>();
const brokerSources = new Map<BrokerStatsSource, string>();
const backlogSources = new Set<BacklogSource>();
const observedMeters = new WeakSet<Meter>();

function observeProcessState(meter: Meter): void {
  if (observedMeters.has(meter)) return;
  observedMeters.add(meter);
  meter
    .createObservableUpDownCounter("kled.rpc.server.active_calls", { description: "Calls being served", unit: "{call}" })
    .addCallback((result) => {
      for (const [count, attributes] of serverActive.observations()) result.observe(count, attributes);
    });
  meter
    .createObservableUpDownCounter("kled.rpc.client.active_calls", { description: "Calls in flight from this process's clients", unit: "{call}" })
    .addCallback((result) => {
      for (const [count, attributes] of clientActive.observations()) result.observe(count, attributes);
    });
  meter
    .createObservableGauge("kled.circuit_breaker.state", {
      description: "Circuit of each node a client called: 0 closed, 1 half-open, 2 open",
      unit: "{state}",
      valueType: ValueType.INT,
    })
    .addCallback((result) => {
      for (const source of breakerSources) {
        for (const breaker of source()) result.observe(breaker.state, { "kled.service": breaker.service, "kled.node.id": breaker.node });
      }
    });
  const pending = meter.createObservableGauge("kled.messaging.pending", {
    description: "Messages of a consumer group not yet acknowledged (waiting or being handled), as its broker reports them",
    unit: "{message}",
    valueType: ValueType.INT,
  });
  const deadLetters = meter.createObservableGauge("kled.messaging.dead_letters", {
    description: "Messages in a topic's dead-letter store",
    unit: "{message}",
    valueType: ValueType.INT,
  });
  // One stats() per broker and collection feeds both.
  meter.addBatchObservableCallback((result) => observeBrokers(pending, deadLetters, result), [pending, deadLetters]);
  meter
    .createObservableGauge("kled.outbox.backlog", {
      description: "Outbox rows committed and not yet published by the relay",
      unit: "{message}",
      valueType: ValueType.INT,
    })
    .addCallback(async (result) => {
      await Promise.all(
        [...backlogSources].map(async (source) => {
          for (const { topic, rows } of (await source().catch(() => undefined)) ?? []) result.observe(rows, { [ATTR_MESSAGING_DESTINATION_NAME]: topic });
        }),
      );
    });
}

/** An outbox relay's unpublished rows per topic, as `kled.outbox.backlog` reads them. */
export type BacklogSource = () => Promise<readonly { readonly topic: string; readonly rows: number }[]>;

// A source that cannot answer (its broker or database is down) is left out of this collection, not fatal to the others.
async function observeBrokers(pending: ObservableGauge, deadLetters: ObservableGauge, result: BatchObservableResult): Promise<void> {
  await Promise.all(
    [...brokerSources].map(async ([source, system]) => {
      const stats = await source.stats().catch(() => undefined);
      for (const { topic, group, count } of stats?.pending ?? []) {
        const attributes: Attributes = { [ATTR_MESSAGING_SYSTEM]: system, [ATTR_MESSAGING_DESTINATION_NAME]: topic };
        if (group !== undefined) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = group;
        result.observe(pending, count, attributes);
      }
      for (const { topic, count } of stats?.deadLettered ?? []) {
        result.observe(deadLetters, count, { [ATTR_MESSAGING_SYSTEM]: system, [ATTR_MESSAGING_DESTINATION_NAME]: topic });
      }
    }),
  );
}

/** The circuits one client knows, with their state as `kled.circuit_breaker.state` reads it. */
export type BreakerSource = () => Iterable<{ readonly service: string; readonly node: string; readonly state: number }>;

function duration(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    description,
    unit: "s",
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
  });
}

function createInstruments(meter: Meter): Instruments {
  return {
    serverDuration: duration(meter, "rpc.server.call.duration", "Duration of calls served, until the last response message or the status"),
    clientDuration: duration(meter, "rpc.client.call.duration", "Duration of calls made, retries included, until the status"),
    retries: meter.createCounter("kled.rpc.client.retries", { description: "Attempts after the first, by service and method", unit: "{attempt}" }),
    bulkheadRejections: meter.createCounter("kled.bulkhead.rejections", { description: "Calls a service's bulkhead turned away", unit: "{call}" }),
    rateLimited: meter.createCounter("kled.ratelimit.rejections", { description: "Calls a rate limiter turned away", unit: "{call}" }),
    sent: meter.createCounter("messaging.client.sent.messages", { description: "Messages published (or written to an outbox)", unit: "{message}" }),
    consumed: meter.createCounter("messaging.client.consumed.messages", { description: "Messages delivered to a handler", unit: "{message}" }),
    processDuration: duration(meter, "messaging.process.duration", "Duration of a message handler"),
    operationDuration: duration(meter, "messaging.client.operation.duration", "Duration of a publish, until the broker stored the message"),
  };
}
