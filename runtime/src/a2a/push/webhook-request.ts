import { toJsonString } from "@bufbuild/protobuf";
import { StreamResponseSchema, type StreamResponse, type TaskPushNotificationConfig } from "../../gen/lf/a2a/v1/a2a_pb.js";

/**
 * The media type of A2A's JSON payloads (the HTTP+JSON binding's), which
 * push notifications use whatever binding the task came through.
 */
export const A2A_JSON_CONTENT_TYPE = "application/a2a+json";

/**
 * The header that carries a config's `token` back to the webhook. The A2A
 * 1.0 specification names no header for it; this is the one `@a2a-js/sdk`
 * (and A2A 0.x) uses, so that webhooks written for the official SDK find it.
 */
export const NOTIFICATION_TOKEN_HEADER = "X-A2A-Notification-Token";

/** The headers and body of one notification's POST. Internal to the push senders. */
export interface WebhookRequest {
  readonly headers: Headers;
  readonly body: string;
}

/**
 * The POST that delivers `response` to `config`: the StreamResponse as
 * ProtoJSON (camelCase names, enum names, defaults left out), the A2A
 * content type, `Authorization: <scheme> <credentials>` from
 * `config.authentication`, and the token header when `config.token` is set.
 * Both credentials go when both are configured: they are separate fields,
 * and a webhook checks the one it issued. Throws when a credential cannot
 * be an HTTP header value (e.g. contains a line break) or is half set.
 */
export function webhookRequest(config: TaskPushNotificationConfig, response: StreamResponse): WebhookRequest {
  const headers = new Headers({ "Content-Type": A2A_JSON_CONTENT_TYPE });
  const authentication = config.authentication;
  if (authentication !== undefined && (authentication.scheme !== "" || authentication.credentials !== "")) {
    if (authentication.scheme === "" || authentication.credentials === "") {
      throw new Error(
        `push config ${JSON.stringify(config.id)}: authentication needs both scheme and credentials (got ${authentication.scheme === "" ? "credentials only" : `scheme ${JSON.stringify(authentication.scheme)} only`})`,
      );
    }
    setHeader(config, headers, "Authorization", `${authentication.scheme} ${authentication.credentials}`, "authentication");
  }
  if (config.token !== "") setHeader(config, headers, NOTIFICATION_TOKEN_HEADER, config.token, "token");
  return { headers, body: toJsonString(StreamResponseSchema, response) };
}

function setHeader(config: TaskPushNotificationConfig, headers: Headers, name: string, value: string, field: string): void {
  try {
    headers.set(name, value);
  } catch {
    throw new Error(`push config ${JSON.stringify(config.id)}: its ${field} cannot be sent as an HTTP header (control characters or non-Latin-1 text)`);
  }
}
