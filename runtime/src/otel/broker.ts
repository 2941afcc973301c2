import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { Broker, Delivery, MessageHandler, PublishOptions, SubscribeOptions, Subscription } from "../broker/broker.js";
import { hasBrokerStats, NO_BROKER_STATS, type BrokerStats, type BrokerStatsSource } from "../broker/broker-stats.js";
import type { Topic } from "../broker/topic.js";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from "../peers/opentelemetry.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_KLED_DELIVERY_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from "./attributes.js";
import { headersGetter, headersSetter } from "./carriers.js";
import { errorTypeOf } from "./error-type.js";
import { Telemetry, type TelemetryProviders } from "./telemetry.js";

/** Options of {@link instrumentBroker}. */
export interface InstrumentBrokerOptions extends TelemetryProviders {
  /** `messaging.system` of the spans and metrics. Default: the broker's name (`memory`, `redis`…). */
  readonly system?: string;
}

/**
 * `broker` with messaging spans and metrics, for any implementation:
 *
 * - publish: a `send {topic}` span. A message that carries no creation
 *   context yet gets the span's, in its headers (the span is then the
 *   PRODUCER); one that already carries one — an outbox row, whose context
 *   is the transaction that wrote it — keeps it, and the send span is a
 *   CLIENT child of that context, so the relay's publish joins the trace.
 * - delivery: a CONSUMER `process {topic}` span, a child of the creation
 *   context in the headers, active while the handler runs.
 *
 * Metrics: `messaging.client.sent.messages`,
 * `messaging.client.operation.duration` (publish),
 * `messaging.client.consumed.messages`, `messaging.process.duration`; and
 * for a broker that reports its backlog (memory, Redis, NATS: see
 * `BrokerStats`), `kled.messaging.pending` per topic and consumer group and
 * `kled.messaging.dead_letters` per topic, read at each collection until
 * the broker closes.
 */
export function instrumentBroker(broker: Broker, options: InstrumentBrokerOptions = {}): Broker {
  return new InstrumentedBroker(broker, options.system ?? broker.name, new Telemetry(options));
}

class InstrumentedBroker implements Broker, BrokerStatsSource {
  readonly name: string;
  readonly #stopStats: (() => void) | undefined;

  constructor(
    private readonly inner: Broker,
    private readonly system: string,
    private readonly telemetry: Telemetry,
  ) {
    this.name = inner.name;
    this.#stopStats = hasBrokerStats(inner) ? telemetry.observeBroker(inner, system) : undefined;
  }

  stats(): Promise<BrokerStats> {
    return hasBrokerStats(this.inner) ? this.inner.stats() : Promise.resolve(NO_BROKER_STATS);
  }

  async publish<Desc extends DescMessage>(topic: Topic<Desc>, message: MessageInitShape<Desc>, options: PublishOptions = {}): Promise<string> {
    if (!this.telemetry.enabled) return this.inner.publish(topic, message, options);
    const headers: Record<string, string> = { ...options.headers };
    const created = propagation.extract(ROOT_CONTEXT, headers, headersGetter);
    const hasCreation = trace.getSpanContext(created) !== undefined;
    const parent = hasCreation ? created : context.active();
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: this.system,
      [ATTR_MESSAGING_DESTINATION_NAME]: topic.name,
      [ATTR_MESSAGING_OPERATION_NAME]: "send",
      [ATTR_MESSAGING_OPERATION_TYPE]: "send",
    };
    const span = this.telemetry.tracer.startSpan(
      `send ${topic.name}`,
      { kind: hasCreation ? SpanKind.CLIENT : SpanKind.PRODUCER, attributes },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    if (!hasCreation) propagation.inject(spanContext, headers, headersSetter);
    const started = performance.now();
    const { sent, operationDuration } = this.telemetry.instruments;
    try {
      const id = await context.with(spanContext, () => this.inner.publish(topic, message, { ...options, headers }));
      span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, id);
      return id;
    } catch (error) {
      const type = errorTypeOf(error);
      attributes[ATTR_ERROR_TYPE] = type;
      span.setAttribute(ATTR_ERROR_TYPE, type);
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
      operationDuration.record((performance.now() - started) / 1000, attributes);
      sent.add(1, attributes);
    }
  }

  subscribe<Desc extends DescMessage>(topic: Topic<Desc>, handler: MessageHandler<Desc>, options?: SubscribeOptions): Promise<Subscription> {
    return this.inner.subscribe(topic, this.#traced(topic, handler), options);
  }

  close(): Promise<void> {
    this.#stopStats?.();
    return this.inner.close();
  }

  #traced<Desc extends DescMessage>(topic: Topic<Desc>, handler: MessageHandler<Desc>): MessageHandler<Desc> {
    return async (message, delivery: Delivery) => {
      if (!this.telemetry.enabled) return handler(message, delivery);
      const parent = propagation.extract(ROOT_CONTEXT, delivery.headers, headersGetter);
      const attributes: Attributes = {
        [ATTR_MESSAGING_SYSTEM]: this.system,
        [ATTR_MESSAGING_DESTINATION_NAME]: topic.name,
        [ATTR_MESSAGING_OPERATION_NAME]: "process",
        [ATTR_MESSAGING_OPERATION_TYPE]: "process",
      };
      if (delivery.group !== undefined) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = delivery.group;
      const span = this.telemetry.tracer.startSpan(
        `process ${topic.name}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: { ...attributes, [ATTR_MESSAGING_MESSAGE_ID]: delivery.id, [ATTR_KLED_DELIVERY_COUNT]: delivery.deliveryCount },
        },
        parent,
      );
      const started = performance.now();
      const { consumed, processDuration } = this.telemetry.instruments;
      try {
        await context.with(trace.setSpan(parent, span), () => handler(message, delivery));
      } catch (error) {
        const type = errorTypeOf(error);
        attributes[ATTR_ERROR_TYPE] = type;
        span.setAttribute(ATTR_ERROR_TYPE, type);
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
        processDuration.record((performance.now() - started) / 1000, attributes);
        consumed.add(1, attributes);
      }
    };
  }
}
