import type { StreamResponse, TaskPushNotificationConfig } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { wholeNumber } from "../../broker/option-value.js";
import { messageOf } from "../../errors/message-of.js";
import { backoffMs } from "../../timing/backoff.js";
import { pause } from "../../timing/pause.js";
import { WebhookDeliveryError } from "./push-errors.js";
import type { PushSender } from "./push-sender.js";
import { retryAfterMs } from "./retry-after.js";
import { checkWebhookUrl, describeUrl, type WebhookUrlOptions } from "./webhook-url.js";
import { webhookRequest, type WebhookRequest } from "./webhook-request.js";

/** Options of {@link WebhookPushSender}; every one has a documented default. */
export interface WebhookPushSenderOptions extends WebhookUrlOptions {
  /** How long one POST may take until the webhook's response headers, in milliseconds. Default {@link DEFAULT_ATTEMPT_TIMEOUT_MS}. */
  readonly attemptTimeoutMs?: number;
  /**
   * How long one `send` may take with all its attempts and the waits
   * between them, in milliseconds. Default {@link DEFAULT_TOTAL_TIMEOUT_MS}.
   * In a broker subscriber, keep it below the time after which the broker
   * hands an unacknowledged message to another consumer (the Redis broker's
   * `claimIdleMs`), or two consumers deliver the same event at once.
   */
  readonly totalTimeoutMs?: number;
  /** POSTs per `send`, the first included. Default {@link DEFAULT_MAX_ATTEMPTS}. */
  readonly maxAttempts?: number;
  /** Wait before the second attempt, in milliseconds; doubles per attempt, ±20 % jitter. Default {@link DEFAULT_FIRST_RETRY_DELAY_MS}. */
  readonly firstRetryDelayMs?: number;
  /** Longest wait between attempts that the sender chooses itself, in milliseconds. Default {@link DEFAULT_MAX_RETRY_DELAY_MS}. */
  readonly maxRetryDelayMs?: number;
}

/** Ten seconds: the low end of the 10-30 s the A2A specification recommends for a webhook request. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Twenty-five seconds: room for a slow attempt and quick retries, and
 * below the Redis broker's default claimIdleMs (30 s), so that a message
 * being delivered is not handed to a second consumer meanwhile.
 */
export const DEFAULT_TOTAL_TIMEOUT_MS = 25_000;

/** Four attempts: rides out a restart or a brief overload of the receiver; longer outages are the broker's redelivery's job. */
export const DEFAULT_MAX_ATTEMPTS = 4;

/** Half a second before the first retry: long enough for a receiver's restart to begin answering. */
export const DEFAULT_FIRST_RETRY_DELAY_MS = 500;

/** Five seconds at most between attempts chosen by the sender (a Retry-After may ask for more, within totalTimeoutMs). */
export const DEFAULT_MAX_RETRY_DELAY_MS = 5_000;

const NEVER_ABORTED = /*@__PURE__*/ new AbortController().signal;

/** How one attempt ended, when it did not succeed. */
interface FailedAttempt {
  /** For the error message, e.g. `HTTP 503 Service Unavailable` or `no response within 10000 ms`. */
  readonly what: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly cause?: unknown;
}

/**
 * Sends A2A push notifications as the specification describes (4.3.3,
 * 13.2): an HTTP POST of the StreamResponse as ProtoJSON to the config's
 * URL, with its credentials (see {@link webhookRequest}). A 2xx answer
 * is success. Network errors, timeouts, 408, 429 and 5xx are retried with
 * exponential backoff and jitter, honouring `Retry-After`; other statuses
 * fail at once, and so do redirects, which are not followed (a redirect
 * could lead past the address check; register the final URL instead).
 * Every failure is a {@link WebhookDeliveryError} naming the URL and the
 * last status.
 */
export class WebhookPushSender implements PushSender {
  readonly #urlOptions: WebhookUrlOptions;
  readonly #attemptTimeoutMs: number;
  readonly #totalTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #firstRetryDelayMs: number;
  readonly #maxRetryDelayMs: number;

  constructor(options: WebhookPushSenderOptions = {}) {
    const owner = "WebhookPushSender";
    this.#urlOptions = options.refusePrivateAddresses === undefined ? {} : { refusePrivateAddresses: options.refusePrivateAddresses };
    this.#attemptTimeoutMs = wholeNumber(owner, "attemptTimeoutMs", options.attemptTimeoutMs, DEFAULT_ATTEMPT_TIMEOUT_MS);
    this.#totalTimeoutMs = wholeNumber(owner, "totalTimeoutMs", options.totalTimeoutMs, DEFAULT_TOTAL_TIMEOUT_MS);
    this.#maxAttempts = wholeNumber(owner, "maxAttempts", options.maxAttempts, DEFAULT_MAX_ATTEMPTS);
    this.#firstRetryDelayMs = wholeNumber(owner, "firstRetryDelayMs", options.firstRetryDelayMs, DEFAULT_FIRST_RETRY_DELAY_MS);
    this.#maxRetryDelayMs = wholeNumber(owner, "maxRetryDelayMs", options.maxRetryDelayMs, DEFAULT_MAX_RETRY_DELAY_MS);
  }

  /**
   * POSTs `response` to `config.url`; resolves on a 2xx answer. `signal`
   * stops it between or during attempts (e.g. a subscription that closes).
   */
  async send(config: TaskPushNotificationConfig, response: StreamResponse, signal: AbortSignal = NEVER_ABORTED): Promise<void> {
    const deadline = performance.now() + this.#totalTimeoutMs;
    let url: URL;
    let request: WebhookRequest;
    try {
      url = await checkWebhookUrl(config.url, this.#urlOptions);
      request = webhookRequest(config, response);
    } catch (error) {
      throw new WebhookDeliveryError(messageOf(error), { url: config.url, status: undefined, attempts: 0, retryable: false, cause: error });
    }
    const shown = describeUrl(url);
    for (let attempt = 1; ; attempt++) {
      const failed = await this.#attempt(url, request, Math.min(this.#attemptTimeoutMs, deadline - performance.now()), signal);
      if (failed === undefined) return;
      const details = { url: shown, status: failed.status, attempts: attempt, retryable: failed.retryable, cause: failed.cause };
      if (signal.aborted) {
        throw new WebhookDeliveryError(`webhook ${shown}: stopped after ${attempt} attempt(s) because the caller aborted; last: ${failed.what}`, details);
      }
      if (!failed.retryable) {
        throw new WebhookDeliveryError(`webhook ${shown}: ${failed.what}, not retried`, details);
      }
      if (attempt >= this.#maxAttempts) {
        throw new WebhookDeliveryError(`webhook ${shown}: gave up after ${attempt} attempt(s); last: ${failed.what}`, details);
      }
      const delay = failed.retryAfterMs ?? backoffMs(attempt, this.#firstRetryDelayMs, this.#maxRetryDelayMs);
      if (performance.now() + delay >= deadline) {
        const asked = failed.retryAfterMs === undefined ? "" : ` (it asked to retry after ${failed.retryAfterMs} ms)`;
        throw new WebhookDeliveryError(
          `webhook ${shown}: gave up after ${attempt} attempt(s), out of the ${this.#totalTimeoutMs} ms budget${asked}; last: ${failed.what}`,
          details,
        );
      }
      await pause(delay, signal);
    }
  }

  async #attempt(url: URL, request: WebhookRequest, timeoutMs: number, signal: AbortSignal): Promise<FailedAttempt | undefined> {
    // AbortSignal.timeout takes whole milliseconds only.
    const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      const what = timeout.aborted && !signal.aborted ? `no response within ${Math.round(timeoutMs)} ms` : networkError(error);
      return { what, status: undefined, retryable: true, retryAfterMs: undefined, cause: error };
    }
    // The body is not needed; cancelling it frees the connection for the next request.
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return undefined;
    const status = response.status;
    const what = `HTTP ${status}${response.statusText === "" ? "" : ` ${response.statusText}`}`;
    if (status >= 300 && status < 400) {
      return { what: `${what} (redirects are not followed; register the final URL)`, status, retryable: false, retryAfterMs: undefined };
    }
    const retryable = status === 408 || status === 429 || status >= 500;
    return { what, status, retryable, retryAfterMs: retryable ? retryAfterMs(response.headers.get("retry-after")) : undefined };
  }
}

/** `ECONNREFUSED 127.0.0.1:1234`-style text for a fetch that failed before any response. */
function networkError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === undefined ? cause.message : `${code} (${cause.message})`;
  }
  return messageOf(error);
}
