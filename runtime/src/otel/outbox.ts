import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/core";
import type { PublishOptions } from "../broker/broker.js";
import type { Topic } from "../broker/topic.js";
import type { Outbox } from "../outbox/outbox.js";
import type { OutboxRelay } from "../outbox/relay.js";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "../peers/opentelemetry.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from "./attributes.js";
import { headersSetter } from "./carriers.js";
import { errorTypeOf } from "./error-type.js";
import { Telemetry, type TelemetryProviders } from "./telemetry.js";

/** Options of {@link instrumentOutbox}. */
export interface InstrumentOutboxOptions extends TelemetryProviders {
  /** `messaging.system` of the create spans. Default {@link DEFAULT_OUTBOX_SYSTEM}. */
  readonly system?: string;
}

/** The outbox does not know which broker its relay will publish to; its spans say where the message went first. */
export const DEFAULT_OUTBOX_SYSTEM = "kled_outbox";

/**
 * `outbox` (the same object, seen through a proxy, so it still passes
 * where an Outbox is expected) whose `publish` is a PRODUCER
 * `create {topic}` span, a child of the active span (the request whose
 * transaction writes the row), whose context is stored in the row's
 * headers. The relay publishes those headers unchanged, so the consumer's
 * `process` span continues the writer's trace however late the relay runs.
 */
export function instrumentOutbox<T extends Pick<Outbox, "publish">>(outbox: T, options: InstrumentOutboxOptions = {}): T {
  const telemetry = new Telemetry(options);
  const system = options.system ?? DEFAULT_OUTBOX_SYSTEM;
  const publish = async <Desc extends DescMessage>(
    em: EntityManager,
    topic: Topic<Desc>,
    message: MessageInitShape<Desc>,
    publishOptions: PublishOptions = {},
  ): Promise<number> => {
    if (!telemetry.enabled) return outbox.publish(em, topic, message, publishOptions);
    const parent = context.active();
    const attributes = {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_DESTINATION_NAME]: topic.name,
      [ATTR_MESSAGING_OPERATION_NAME]: "create",
      [ATTR_MESSAGING_OPERATION_TYPE]: "create",
    };
    const span = telemetry.tracer.startSpan(`create ${topic.name}`, { kind: SpanKind.PRODUCER, attributes }, parent);
    const headers: Record<string, string> = { ...publishOptions.headers };
    propagation.inject(trace.setSpan(parent, span), headers, headersSetter);
    try {
      const id = await outbox.publish(em, topic, message, { ...publishOptions, headers });
      span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, String(id));
      telemetry.instruments.sent.add(1, attributes);
      return id;
    } catch (error) {
      span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  };
  return new Proxy(outbox, {
    get(target, property) {
      if (property === "publish") return publish;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * `kled.outbox.backlog`: the rows `relay` has yet to publish, per topic
 * (`messaging.destination.name`), counted at each metrics collection (one
 * count query per topic). Returns the function that stops reporting; call it
 * before closing the database.
 */
export function observeOutboxBacklog(relay: Pick<OutboxRelay, "backlog">, options: TelemetryProviders = {}): () => void {
  return new Telemetry(options).observeOutboxBacklog(() => relay.backlog());
}
