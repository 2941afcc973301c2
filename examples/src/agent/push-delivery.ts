import type { Broker, SubscribeOptions, Subscription } from "@kled/runtime";
import { PushNotifier, subscribePushDelivery, type PushEvent } from "@kled/runtime/a2a";
import { TaskEventTopic } from "../gen/kled/agent/v1/agent_kled.js";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";
import type { PushConfigLookup } from "./push-config-store.js";

/**
 * Pushes every task event to the task's webhooks (A2A push notifications).
 * The events come from the broker, where the outbox relay publishes them
 * once the transaction that recorded them committed; the delivery group
 * acknowledges an event only when every webhook took it, so an event the
 * agent recorded just before it stopped is delivered after it restarts
 * (with a broker that keeps messages: Redis or NATS).
 */
export function deliverPushNotifications(broker: Broker, configs: PushConfigLookup, options: SubscribeOptions = {}): Promise<Subscription> {
  return subscribePushDelivery(broker, TaskEventTopic, pushEventOf, new PushNotifier(configs), options);
}

/** A task event as the push notification it means: its status or artifact update. */
export function pushEventOf(event: TaskEvent): PushEvent | undefined {
  if (event.event.case === undefined) return undefined;
  // The task and sequence number name the event, whoever published it and however often.
  return { taskId: event.taskId, eventId: `${event.taskId}#${event.sequence}`, response: { payload: event.event } };
}
