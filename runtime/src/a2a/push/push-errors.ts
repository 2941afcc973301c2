import type { TaskPushNotificationConfig } from "../../gen/lf/a2a/v1/a2a_pb.js";

/**
 * A webhook did not take a notification. `retryable` says whether trying the
 * same notification later may succeed (network errors, timeouts, 408, 429,
 * 5xx) or not (other 4xx, redirects, a config that cannot be sent).
 */
export class WebhookDeliveryError extends Error {
  override readonly name = "WebhookDeliveryError";
  /** The webhook URL, its query shown as `?…`. */
  readonly url: string;
  /** The last HTTP status, undefined when no response came (network error, timeout) or none was attempted. */
  readonly status: number | undefined;
  /** HTTP attempts made. */
  readonly attempts: number;
  readonly retryable: boolean;

  constructor(
    message: string,
    details: { url: string; status: number | undefined; attempts: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.url = details.url;
    this.status = details.status;
    this.attempts = details.attempts;
    this.retryable = details.retryable;
  }
}

/** One config a notification could not reach, and why. */
export interface PushFailure {
  readonly config: TaskPushNotificationConfig;
  readonly error: unknown;
}

/**
 * Some receivers of a task's notification did not get it (the others did).
 * Thrown by {@link PushNotifier.notify}, so that a broker subscriber fails
 * and the event is delivered again.
 */
export class PushNotificationError extends Error {
  override readonly name = "PushNotificationError";
  readonly taskId: string;
  readonly failures: readonly PushFailure[];
  /** Receivers that got the notification in this call. */
  readonly delivered: number;

  constructor(taskId: string, failures: readonly PushFailure[], delivered: number) {
    const reasons = failures.map(({ error }) => (error instanceof Error ? error.message : String(error)));
    super(
      `push notification for task ${JSON.stringify(taskId)}: ${failures.length} of ${failures.length + delivered} webhooks failed: ${reasons.join("; ")}`,
    );
    this.taskId = taskId;
    this.failures = failures;
    this.delivered = delivered;
  }
}
