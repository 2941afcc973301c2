import type { StreamResponse, TaskPushNotificationConfig } from "../../gen/lf/a2a/v1/a2a_pb.js";

/**
 * Delivers one push notification to one configured receiver. Resolves once
 * the receiver acknowledged it; rejects when it gave up. {@link WebhookPushSender}
 * is the A2A implementation (an HTTP POST); tests and other transports bring
 * their own.
 */
export interface PushSender {
  send(config: TaskPushNotificationConfig, response: StreamResponse, signal?: AbortSignal): Promise<void>;
}
