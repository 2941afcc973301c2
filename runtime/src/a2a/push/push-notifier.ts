import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { StreamResponseSchema, type StreamResponse, type TaskPushNotificationConfig } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { MemoryDeliveryRecord, type DeliveryRecord } from "./delivery-record.js";
import { PushNotificationError, type PushFailure } from "./push-errors.js";
import type { PushConfigSource } from "./push-config-source.js";
import type { PushSender } from "./push-sender.js";
import { WebhookPushSender } from "./webhook-push-sender.js";

/** Options of {@link PushNotifier}. */
export interface PushNotifierOptions {
  /** How one notification reaches one config. Default: a {@link WebhookPushSender} with its defaults. */
  readonly sender?: PushSender;
  /**
   * Where deliveries of events with an `eventId` are remembered, so that a
   * redelivered event skips the configs that already have it. Default: a
   * {@link MemoryDeliveryRecord} (redelivery to this process); pass a
   * shared one to cover redelivery to other processes.
   */
  readonly deliveryRecord?: DeliveryRecord;
}

/** Options of one {@link PushNotifier.notify}. */
export interface NotifyOptions {
  /**
   * Identifies the event across deliveries (e.g. the broker message id, or
   * the task id and the event's sequence number). With it, a config that
   * got this event is skipped when the same event comes again; without it,
   * every call sends to every config.
   */
  readonly eventId?: string;
  /** Stops the deliveries in flight (e.g. a closing subscription). */
  readonly signal?: AbortSignal;
}

/** What one {@link PushNotifier.notify} did. */
export interface NotifyResult {
  /** Configs that got the notification in this call. */
  readonly delivered: number;
  /** Configs skipped because the delivery record says they already had this event. */
  readonly skipped: number;
}

/**
 * Sends a task's events to every push config of the task, each on its
 * own: one failing webhook neither delays nor prevents the others. When
 * any of them finally fails, `notify` rejects with a
 * {@link PushNotificationError}, after all the others finished: run it in a
 * broker subscriber (see {@link subscribePushDelivery}) and the broker's
 * redelivery makes delivery at least once, across restarts of the agent.
 */
export class PushNotifier {
  readonly #configs: PushConfigSource;
  readonly #sender: PushSender;
  readonly #record: DeliveryRecord;

  constructor(configs: PushConfigSource, options: PushNotifierOptions = {}) {
    this.#configs = configs;
    this.#sender = options.sender ?? new WebhookPushSender();
    this.#record = options.deliveryRecord ?? new MemoryDeliveryRecord();
  }

  /**
   * Delivers `response` (an event of task `taskId`) to the task's configs.
   * Throws at once when the response names another task: its event must not
   * reach this task's webhooks.
   */
  async notify(taskId: string, response: StreamResponse | MessageInitShape<typeof StreamResponseSchema>, options: NotifyOptions = {}): Promise<NotifyResult> {
    const message = create(StreamResponseSchema, response);
    const named = taskIdOf(message);
    if (named !== undefined && named !== "" && named !== taskId) {
      throw new Error(`push notification for task ${JSON.stringify(taskId)}: the ${message.payload.case} belongs to task ${JSON.stringify(named)}`);
    }
    const configs = await this.#configs.listPushConfigs(taskId);
    const outcomes = await Promise.all(configs.map((config) => this.#deliver(taskId, config, message, options)));
    const failures = outcomes.filter((outcome): outcome is PushFailure => typeof outcome === "object");
    const delivered = outcomes.filter((outcome) => outcome === "delivered").length;
    if (failures.length > 0) throw new PushNotificationError(taskId, failures, delivered);
    return { delivered, skipped: outcomes.length - delivered };
  }

  async #deliver(
    taskId: string,
    config: TaskPushNotificationConfig,
    response: StreamResponse,
    options: NotifyOptions,
  ): Promise<"delivered" | "skipped" | PushFailure> {
    try {
      if (config.taskId !== "" && config.taskId !== taskId) {
        throw new Error(`push config ${JSON.stringify(config.id)} belongs to task ${JSON.stringify(config.taskId)}, not ${JSON.stringify(taskId)}; check the config source`);
      }
      const key = options.eventId === undefined ? undefined : JSON.stringify([options.eventId, config.id === "" ? config.url : config.id]);
      if (key !== undefined && (await this.#record.has(key))) return "skipped";
      await this.#sender.send(config, response, options.signal);
      if (key !== undefined) await this.#record.add(key);
      return "delivered";
    } catch (error) {
      return { config, error };
    }
  }
}

/** The task a StreamResponse is about, when its payload names one. */
function taskIdOf(response: StreamResponse): string | undefined {
  switch (response.payload.case) {
    case "task":
      return response.payload.value.id;
    case "message":
    case "statusUpdate":
    case "artifactUpdate":
      return response.payload.value.taskId;
    case undefined:
      return undefined;
  }
}
