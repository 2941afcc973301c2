import type { DescMessage } from "@bufbuild/protobuf";
import type { Delivery, MessageHandler } from "./broker.js";
import type { Envelope, PayloadCodec } from "./envelope.js";
import type { Topic } from "./topic.js";

/**
 * How one delivery ended: handled, failed in the handler (deliver again), or
 * undecodable (no later delivery can succeed: dead-letter at once).
 */
export type DeliveryOutcome =
  | { readonly kind: "handled" }
  | { readonly kind: "failed" | "undecodable"; readonly error: unknown };

const handled: DeliveryOutcome = { kind: "handled" };

/**
 * The delivery context a handler gets. A class with the time as a getter:
 * built for every message, and most handlers never look at the time.
 */
class MessageDelivery implements Delivery {
  readonly id: string;
  readonly topic: string;
  readonly group: string | undefined;
  readonly deliveryCount: number;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly #publishedAt: number;

  constructor(topic: string, envelope: Envelope, id: string, group: string | undefined, deliveryCount: number, signal: AbortSignal) {
    this.id = id;
    this.topic = topic;
    this.group = group;
    this.deliveryCount = deliveryCount;
    this.contentType = envelope.contentType;
    this.headers = envelope.headers;
    this.signal = signal;
    this.#publishedAt = envelope.publishedAt;
  }

  get publishedAt(): Date {
    return new Date(this.#publishedAt);
  }
}

/**
 * Decodes `envelope` and runs `handler` on it, turning every throw (of the
 * codec or the handler, synchronous or not) into an outcome. Synchronous
 * when the handler is: a broker settles such messages without a turn of the
 * microtask queue each. Internal.
 */
export function deliver<Desc extends DescMessage>(
  payloads: PayloadCodec,
  topic: Topic<Desc>,
  handler: MessageHandler<Desc>,
  envelope: Envelope,
  id: string,
  group: string | undefined,
  deliveryCount: number,
  signal: AbortSignal,
): DeliveryOutcome | Promise<DeliveryOutcome> {
  let message;
  try {
    message = payloads.decode(topic, envelope.payload, envelope.contentType);
  } catch (error) {
    return { kind: "undecodable", error };
  }
  let result;
  try {
    result = handler(message, new MessageDelivery(topic.name, envelope, id, group, deliveryCount, signal));
  } catch (error) {
    return { kind: "failed", error };
  }
  return result instanceof Promise ? result.then(toHandled, toFailed) : handled;
}

function toHandled(): DeliveryOutcome {
  return handled;
}

function toFailed(error: unknown): DeliveryOutcome {
  return { kind: "failed", error };
}
