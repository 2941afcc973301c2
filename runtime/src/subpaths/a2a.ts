/**
 * `@kled/runtime/a2a`: A2A 1.0 for Kled agents (lf.a2a.v1.A2AService): the
 * JSON-RPC and HTTP+JSON bindings and agent-card discovery over the gRPC
 * service, and webhook delivery of push notifications.
 */
export {
  A2aGateway,
  AGENT_CARD_PATH,
  DEFAULT_A2A_CALL_TIMEOUT_MS,
  DEFAULT_A2A_MAX_REQUEST_BODY_BYTES,
  DEFAULT_A2A_PATH,
  REST_SUBPATH,
  type A2aGatewayOptions,
} from "../a2a/http/a2a-gateway.js";
export { DEFAULT_CARD_TIMEOUT_MS, DEFAULT_CARD_TTL_MS } from "../a2a/http/agent-cards.js";
export { DEFAULT_SSE_KEEP_ALIVE_MS } from "../a2a/http/sse-stream.js";
export { A2A_PROTOCOL_VERSION, A2A_VERSION_WHEN_ABSENT } from "../a2a/http/a2a-version.js";
export { A2A_ERROR_DOMAIN, A2A_ERRORS, type A2aErrorKind, type A2aErrorName } from "../a2a/http/a2a-errors.js";
export { a2aErrorInfo, a2aGrpcError } from "../a2a/http/a2a-grpc-error.js";
export type { ErrorInfo } from "../a2a/http/status-details.js";
export { A2A_SERVICE, A2A_SERVICE_TYPE } from "../a2a/http/a2a-service.js";
export { AGENT_CARD_SERVICE, GET_AGENT_CARD_PATH } from "../a2a/http/agent-card-service.js";
export { HTTP_JSON_BINDING, JSONRPC_BINDING } from "../a2a/http/card-interfaces.js";
// Push notifications: webhook delivery, at least once through a broker consumer group.
export {
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_FIRST_RETRY_DELAY_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  WebhookPushSender,
  type WebhookPushSenderOptions,
} from "../a2a/push/webhook-push-sender.js";
export type { PushSender } from "../a2a/push/push-sender.js";
export { A2A_JSON_CONTENT_TYPE, NOTIFICATION_TOKEN_HEADER } from "../a2a/push/webhook-request.js";
export { checkWebhookUrl, parseWebhookUrl, type WebhookUrlOptions } from "../a2a/push/webhook-url.js";
export { PushNotificationError, WebhookDeliveryError, type PushFailure } from "../a2a/push/push-errors.js";
export { PushNotifier, type NotifyOptions, type NotifyResult, type PushNotifierOptions } from "../a2a/push/push-notifier.js";
export type { PushConfigSource } from "../a2a/push/push-config-source.js";
export {
  DEFAULT_DELIVERY_RECORD_ENTRIES,
  MemoryDeliveryRecord,
  type DeliveryRecord,
  type MemoryDeliveryRecordOptions,
} from "../a2a/push/delivery-record.js";
export { DEFAULT_PUSH_DELIVERY_GROUP, subscribePushDelivery, type PushEvent, type ToPushEvent } from "../a2a/push/subscribe-push-delivery.js";
