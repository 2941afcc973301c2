import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Broker, Delivery, SubscribeOptions, Subscription } from "../../broker/broker.js";
import type { Topic } from "../../broker/topic.js";
import type { StreamResponse, StreamResponseSchema } from "../../gen/lf/a2a/v1/a2a_pb.js";
import type { PushNotifier } from "./push-notifier.js";

/** One event of a topic, as a push notification. */
export interface PushEvent {
  readonly taskId: string;
  readonly response: StreamResponse | MessageInitShape<typeof StreamResponseSchema>;
  /**
   * Identifies the event for the delivery record. Default: the topic and
   * the broker's message id. Give one that the publisher cannot duplicate
   * (e.g. task id and sequence number) when the same event may be published
   * twice, as an outbox relay that crashed mid-batch does.
   */
  readonly eventId?: string;
}

/**
 * Maps a message of the topic to the push notification it means, or to
 * undefined when it means none (the message is then acknowledged).
 */
export type ToPushEvent<Desc extends DescMessage> = (message: MessageShape<Desc>, delivery: Delivery) => PushEvent | undefined;

/**
 * The consumer group of push delivery unless the options name another: the
 * agent's instances share the events, and each event is pushed by one.
 */
export const DEFAULT_PUSH_DELIVERY_GROUP = "a2a-push-delivery";

/**
 * Subscribes `notifier` to the task events on `topic`: each message is
 * mapped by `toPushEvent` and pushed to its task's webhooks. The message is
 * acknowledged when every webhook took it; otherwise the handler throws and
 * the broker delivers it again (to this or another member of the group, also
 * after this process died), up to its delivery limit, after which it goes
 * to the dead letters with the error naming the failing webhooks. Together
 * with an outbox that publishes an event only once its transaction
 * committed, every committed event reaches every webhook at least once.
 *
 * Order: with the default concurrency of 1, events are pushed in the order
 * they were published, but a redelivered event arrives after later ones;
 * webhooks order by the event's status timestamp (or sequence).
 */
export function subscribePushDelivery<Desc extends DescMessage>(
  broker: Broker,
  topic: Topic<Desc>,
  toPushEvent: ToPushEvent<Desc>,
  notifier: Pick<PushNotifier, "notify">,
  options: SubscribeOptions = {},
): Promise<Subscription> {
  return broker.subscribe(
    topic,
    async (message, delivery) => {
      const event = toPushEvent(message, delivery);
      if (event === undefined) return;
      await notifier.notify(event.taskId, event.response, {
        eventId: event.eventId ?? `${delivery.topic}/${delivery.id}`,
        signal: delivery.signal,
      });
    },
    { ...options, group: options.group ?? DEFAULT_PUSH_DELIVERY_GROUP },
  );
}
