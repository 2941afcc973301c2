import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { MaybePromise } from "../definition/async-types.js";
import type { Topic } from "./topic.js";

/**
 * Publishes messages on topics and delivers them to subscribers, typed by
 * {@link Topic}. Delivery is at least once: a handler that throws gets the
 * message again, up to a limit, after which the message goes to a dead
 * letter store. Handlers must therefore tolerate duplicates.
 *
 * Subscribers that share a `group` share the messages (each message goes to
 * one of them, a work queue); subscribers without a group each get every
 * message published after they subscribed.
 */
export interface Broker {
  /** Short name of the implementation, e.g. `memory` or `redis`. */
  readonly name: string;
  /**
   * Publishes one message; resolves with its id once the broker stored it.
   * `message` may be a message or an init object.
   */
  publish<Desc extends DescMessage>(
    topic: Topic<Desc>,
    message: MessageInitShape<Desc>,
    options?: PublishOptions,
  ): Promise<string>;
  /**
   * Starts delivering messages of `topic` to `handler`; resolves once the
   * subscription is in place, so that every message published after that is
   * delivered.
   */
  subscribe<Desc extends DescMessage>(
    topic: Topic<Desc>,
    handler: MessageHandler<Desc>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Closes every subscription (draining them) and the broker's connections. */
  close(): Promise<void>;
}

/** Options of {@link Broker.publish}. */
export interface PublishOptions {
  /**
   * Codec of the payload, by short name: `proto` (protobuf binary) or `json`
   * (proto3 JSON). Default: the broker's codec, itself `proto` by default.
   * Subscribers decode either.
   */
  codec?: string;
  /** Headers carried with the message to every subscriber, e.g. trace ids. */
  headers?: Readonly<Record<string, string>>;
}

/** Options of {@link Broker.subscribe}. */
export interface SubscribeOptions {
  /**
   * Consumer group: subscribers of one group share the messages. Without a
   * group, this subscriber gets every message.
   */
  group?: string;
  /**
   * Handlers running at once for this subscriber. Default
   * {@link DEFAULT_CONCURRENCY}; above 1, messages may complete out of order.
   */
  concurrency?: number;
  /** Deliveries before a message goes to the dead letters. Default: the broker's. */
  maxDeliveries?: number;
}

/** Handles one message; a throw or rejection means "not handled": the message is delivered again. */
export type MessageHandler<Desc extends DescMessage> = (
  message: MessageShape<Desc>,
  delivery: Delivery,
) => MaybePromise<void>;

/** What a handler learns about the delivery of a message besides the message. */
export interface Delivery {
  /** The message id, the same on every delivery (for Redis the stream entry id). */
  readonly id: string;
  /** The topic name. */
  readonly topic: string;
  /** The consumer group, or undefined for a subscriber without one. */
  readonly group: string | undefined;
  /** 1 on the first delivery, higher on redeliveries. */
  readonly deliveryCount: number;
  /** Content type of the payload as published, e.g. `application/x-protobuf`. */
  readonly contentType: string;
  /** Headers the publisher set. */
  readonly headers: Readonly<Record<string, string>>;
  /** When the message was published (the publisher's clock). */
  readonly publishedAt: Date;
  /** Aborted when the subscription closes and its drain time has run out. */
  readonly signal: AbortSignal;
}

/** A running subscription. */
export interface Subscription {
  readonly topic: string;
  readonly group: string | undefined;
  /**
   * Stops receiving, lets handlers in flight finish and acknowledges them,
   * then releases the subscription's resources. Idempotent.
   */
  close(): Promise<void>;
  /** The same as {@link close}. */
  unsubscribe(): Promise<void>;
}

/** One handler at a time: messages are handled in the order they were published. */
export const DEFAULT_CONCURRENCY = 1;

/**
 * Five deliveries: enough to ride out a short outage of something the handler
 * calls, few enough that a message that can never succeed leaves soon.
 */
export const DEFAULT_MAX_DELIVERIES = 5;

/**
 * Thirty seconds for a closing subscription to finish its handlers; after
 * that their `signal` aborts and what is unacknowledged is delivered again
 * later (to this group's other subscribers).
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
