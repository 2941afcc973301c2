import type { DescMessage } from "@bufbuild/protobuf";
import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "../../peers/nats-jetstream.js";
import type { MsgHdrs } from "../../peers/nats-transport.js";
import type { MessageHandler, Subscription } from "../broker.js";
import { deliver, type DeliveryOutcome } from "../deliver.js";
import type { PayloadCodec } from "../envelope.js";
import { HandlerSlots } from "../handler-slots.js";
import type { Topic } from "../topic.js";
import { deadLetterHeaders, envelopeOf } from "./message-headers.js";
import type { ResolvedNatsBrokerOptions } from "./options.js";
import { pause } from "../../timing/pause.js";
import { backoffMs } from "../../timing/backoff.js";
import { waitAtMost } from "../../timing/wait-at-most.js";
import { ensureConsumer, type ConsumerSettings, type ConsumerStart } from "./streams.js";

/** Errors remembered for messages waiting for a redelivery, so that their dead letter can say why. */
const REMEMBERED_ERRORS_MAX = 10_000;

/** Time granted to the last acknowledgements of a closing subscription even when its drain time is used up. */
const FINISH_MIN_MS = 1_000;

/**
 * Longest wait of a closing subscription for JetStream to drop its pull
 * requests before it hands messages back anyway, in milliseconds: one
 * request/reply to the server, which answers in well under this.
 */
const FORGET_PULLS_MAX_MS = 2_000;

/** First and longest pause between attempts to write a dead letter while NATS is away. */
const DEAD_LETTER_RETRY_FIRST_MS = 100;
const DEAD_LETTER_RETRY_MAX_MS = 5_000;

/** What a subscription shares with its broker. Internal. */
export interface NatsSubscriptionContext {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly options: ResolvedNatsBrokerOptions;
  readonly payloads: PayloadCodec;
  readonly logger: Logger;
  /** Creates the stream of a topic unless it exists; resolves with its name. */
  readonly ensureStream: (topic: string) => Promise<string>;
  /** Stores a dead letter of `topic`, once per `messageId` within JetStream's duplicate window. */
  readonly publishDeadLetter: (topic: string, data: Uint8Array, headers: MsgHdrs, messageId: string) => Promise<void>;
  /** Sends what the connection buffered (acknowledgements) to the server. */
  readonly flush: () => Promise<void>;
  /** Called once the subscription has closed. */
  readonly closed: (subscription: NatsSubscription) => void;
}

/** What to subscribe. Internal. */
export interface NatsSubscriptionSpec {
  readonly topic: Topic;
  readonly handler: MessageHandler<DescMessage>;
  readonly group: string | undefined;
  /** This subscriber's name, unique across processes: it names the dead letters it writes. */
  readonly subscriber: string;
  readonly consumer: ConsumerSettings;
  readonly concurrency: number;
  readonly maxDeliveries: number;
}

/**
 * Pulls a topic's messages from a durable JetStream consumer and runs the
 * handler on each with bounded concurrency: the group's consumer, shared by
 * its members (a work queue), or one of the subscriber's own (it gets every
 * message published after it subscribed).
 *
 * A message is acknowledged only after its handler succeeded. A failure is
 * a delayed negative acknowledgement (JetStream delivers the message again
 * after a doubling pause); an unacknowledged message (its subscriber died)
 * comes back after `ackWaitMs`, while a handler still running keeps its
 * message with progress acknowledgements. A message whose handler failed on
 * its last allowed delivery, that came more often than allowed (its
 * subscribers keep dying), or that cannot be decoded moves to the
 * dead-letter topic, then is acknowledged.
 *
 * At most `concurrency` messages are pulled ahead of the handlers, so that
 * none waits long enough locally for its acknowledgement time to run out.
 *
 * A closing subscription has JetStream drop its pull requests before it
 * hands any message back (see {@link NatsSubscription.#forgetPulls}).
 */
export class NatsSubscription implements Subscription {
  readonly topic: string;
  readonly group: string | undefined;
  readonly #context: NatsSubscriptionContext;
  readonly #spec: NatsSubscriptionSpec;
  readonly #logger: Logger;
  readonly #slots: HandlerSlots;
  readonly #inFlight = new Set<JsMsg>();
  /** Messages left to a later delivery when the drain time ran out: their handlers' outcomes no longer count. */
  readonly #abandoned = new WeakSet<JsMsg>();
  readonly #errors = new Map<number, string>();
  /** Aborted when the drain time ran out: handlers should give up, waits end. */
  readonly #abortHandlers = new AbortController();
  #stream = "";
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> = Promise.resolve();
  #progressTimer: NodeJS.Timeout | undefined;
  /** Highest stream sequence received: where a lost consumer of a subscriber without a group resumes. */
  #lastSequence = 0;
  #restoring: Promise<void> | undefined;
  #stopping = false;
  /** Set when closing starts: resolves once JetStream dropped this subscription's pull requests; nothing is handed back before. */
  #pullsForgotten: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  constructor(context: NatsSubscriptionContext, spec: NatsSubscriptionSpec) {
    this.#context = context;
    this.#spec = spec;
    this.topic = spec.topic.name;
    this.group = spec.group;
    this.#logger = context.logger.child({
      topic: this.topic,
      ...(spec.group === undefined ? {} : { group: spec.group }),
      consumer: spec.consumer.name,
    });
    this.#slots = new HandlerSlots(spec.concurrency, `broker "nats" topic "${this.topic}"`);
  }

  /** Puts the stream and the consumer in place, then starts pulling; rejects if NATS refuses. */
  async start(): Promise<void> {
    const { jsm, js } = this.#context;
    this.#stream = await this.#context.ensureStream(this.topic);
    await ensureConsumer(jsm, this.#stream, this.#spec.consumer, { policy: "new" });
    const consumer = await js.consumers.get(this.#stream, this.#spec.consumer.name);
    this.#lastSequence = (await consumer.info(true)).delivered.stream_seq;
    const messages = await consumer.consume({ max_messages: this.#spec.concurrency });
    this.#messages = messages;
    this.#loop = this.#run(messages);
    void this.#watch(messages);
    // Handlers running longer than a third of the acknowledgement time keep their messages.
    this.#progressTimer = setInterval(() => {
      for (const msg of this.#inFlight) msg.working();
    }, Math.max(1, Math.floor(this.#context.options.ackWaitMs / 3)));
    this.#progressTimer.unref();
  }

  async #run(messages: ConsumerMessages): Promise<void> {
    const abandoned = new Promise<void>((resolve) => this.#abortHandlers.signal.addEventListener("abort", () => resolve(), { once: true }));
    try {
      for await (const msg of messages) {
        if (this.#stopping) {
          // Pulled but not started: straight back to the group's other members.
          await this.#handBack(msg);
          continue;
        }
        const wait = this.#slots.acquire();
        if (wait !== undefined && !(await Promise.race([wait.then(() => true), abandoned.then(() => false)]))) {
          await this.#handBack(msg);
          continue;
        }
        if (this.#stopping) {
          this.#slots.release();
          await this.#handBack(msg);
          continue;
        }
        this.#inFlight.add(msg);
        this.#slots.run(
          () => this.#handle(msg),
          () => this.#inFlight.delete(msg),
        );
      }
    } catch (error) {
      if (!this.#stopping) this.#logger.error("pulling messages stopped", { error: messageOf(error) });
    }
  }

  /** Notifications of the pull: a consumer or stream gone (the server lost its state, or an operator deleted it) is put back. */
  async #watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (this.#stopping) return;
      switch (status.type) {
        case "consumer_deleted":
        case "consumer_not_found":
        case "stream_not_found":
          this.#restoring ??= this.#restore().finally(() => (this.#restoring = undefined));
          break;
        case "heartbeats_missed":
          if (status.count === 2) this.#logger.warn("no heartbeat from NATS; the client keeps pulling once it is back");
          break;
        default:
          break;
      }
    }
  }

  /**
   * A group's consumer starts again from the start of the stream (nothing
   * published since it was lost is skipped; handlers see some messages
   * again); a subscriber's own after the last message it received.
   */
  async #restore(): Promise<void> {
    const start: ConsumerStart = this.group === undefined ? { policy: "after", sequence: this.#lastSequence } : { policy: "all" };
    this.#logger.warn("the consumer is gone (NATS lost its state, or it was deleted); creating it again", { start: start.policy });
    try {
      this.#stream = await this.#context.ensureStream(this.topic);
      await ensureConsumer(this.#context.jsm, this.#stream, this.#spec.consumer, start);
    } catch (error) {
      this.#logger.warn("creating the consumer again failed; trying again on the next notice", { error: messageOf(error) });
    }
  }

  #handle(msg: JsMsg): Promise<void> | void {
    const deliveryCount = msg.info.deliveryCount;
    if (msg.seq > this.#lastSequence) this.#lastSequence = msg.seq;
    const { maxDeliveries } = this.#spec;
    if (deliveryCount > maxDeliveries) {
      const error =
        this.#errors.get(msg.seq) ??
        `not acknowledged after ${deliveryCount - 1} deliveries: its subscribers died, or took longer than ackWaitMs (${this.#context.options.ackWaitMs} ms)`;
      return this.#deadLetter(msg, deliveryCount - 1, error);
    }
    let envelope;
    try {
      envelope = envelopeOf(msg.data, msg.headers, msg.time.getTime());
    } catch (error) {
      return this.#deadLetter(msg, deliveryCount, `cannot decode: ${messageOf(error)}`);
    }
    const { payloads } = this.#context;
    const { topic, handler } = this.#spec;
    const outcome = deliver(payloads, topic, handler, envelope, String(msg.seq), this.group, deliveryCount, this.#abortHandlers.signal);
    if (outcome instanceof Promise) return outcome.then((settled) => this.#settle(msg, deliveryCount, settled));
    return this.#settle(msg, deliveryCount, outcome);
  }

  #settle(msg: JsMsg, deliveryCount: number, outcome: DeliveryOutcome): Promise<void> | void {
    if (this.#abandoned.has(msg)) return;
    switch (outcome.kind) {
      case "handled":
        if (this.#errors.size > 0) this.#errors.delete(msg.seq);
        msg.ack();
        return;
      case "undecodable":
        return this.#deadLetter(msg, deliveryCount, `cannot decode: ${messageOf(outcome.error)}`);
      case "failed": {
        const error = messageOf(outcome.error);
        const { maxDeliveries } = this.#spec;
        if (deliveryCount >= maxDeliveries) return this.#deadLetter(msg, deliveryCount, error);
        this.#rememberError(msg.seq, error);
        const { retryDelayMs, retryDelayMaxMs } = this.#context.options;
        const delayMs = backoffMs(deliveryCount, retryDelayMs, retryDelayMaxMs);
        this.#logger.warn("handler failed; the message is delivered again", { id: msg.seq, deliveryCount, maxDeliveries, delayMs, error });
        if (this.#stopping) return this.#pullsForgotten.then(() => msg.nak(delayMs));
        msg.nak(delayMs);
      }
    }
  }

  #rememberError(sequence: number, error: string): void {
    this.#errors.delete(sequence);
    this.#errors.set(sequence, error);
    if (this.#errors.size > REMEMBERED_ERRORS_MAX) {
      const oldest = this.#errors.keys().next().value;
      if (oldest !== undefined) this.#errors.delete(oldest);
    }
  }

  /**
   * Writes the dead letter, then acknowledges the message, retrying NATS
   * errors until the drain time of a closing subscription runs out; a
   * message whose dead letter could not be written stays unacknowledged and
   * comes back. The dead letter's message id (stream and sequence) keeps a
   * second writer (another member that took the message over) from storing
   * it twice.
   */
  async #deadLetter(msg: JsMsg, deliveries: number, error: string): Promise<void> {
    this.#errors.delete(msg.seq);
    const id = String(msg.seq);
    const headers = deadLetterHeaders(msg.headers, {
      topic: this.topic,
      id,
      error,
      deliveries,
      group: this.group,
      consumer: this.#spec.subscriber,
    });
    const deadLetterTopic = this.topic + this.#context.options.deadLetterSuffix;
    for (let failures = 1; ; failures++) {
      try {
        await this.#context.publishDeadLetter(deadLetterTopic, msg.data, headers, `${this.#stream}:${id}`);
        await msg.ackAck();
        this.#logger.error("message moved to the dead-letter topic", { id, deadLetterTopic, deliveries, error });
        return;
      } catch (writeError) {
        if (this.#abortHandlers.signal.aborted) {
          this.#logger.error("could not write a dead letter before closing; the message comes back", {
            id,
            error,
            writeError: messageOf(writeError),
          });
          return;
        }
        const delayMs = Math.min(DEAD_LETTER_RETRY_MAX_MS, DEAD_LETTER_RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 16));
        await pause(delayMs, this.#abortHandlers.signal);
      }
    }
  }

  /** Gives a message back for an immediate redelivery, once JetStream no longer holds pull requests of this closing subscription. */
  async #handBack(msg: JsMsg): Promise<void> {
    await this.#pullsForgotten;
    msg.nak();
  }

  /**
   * Has JetStream drop the pull requests this subscription left waiting.
   * Stopping the pull only unsubscribes the client from the requests'
   * reply subject: the server keeps the requests until they expire, and
   * drops one without interest only when it next looks at its queue. A
   * message handed back (a negative acknowledgement) or whose
   * acknowledgement time ran out, redelivered while the group's only
   * waiting requests are such leftovers, is lost track of by nats-server
   * releases before April 2024 (2.9.x among them; fixed by
   * nats-io/nats-server#5305): its consumer steps back
   * one stream sequence and delivers that message again as a first
   * delivery, `deliveryCount` 1, so that a message whose subscribers keep
   * dying never reaches maxDeliveries, and a message acknowledged before
   * can come again. Asking for the consumer's state makes the server drop
   * the requests without interest at once; the connection carries the
   * unsubscription before the request, so the server has seen it. A
   * server that cannot answer (gone meanwhile) has lost the requests
   * anyway, or is lost itself.
   */
  async #forgetPulls(): Promise<void> {
    const { jsm } = this.#context;
    const request = jsm.consumers.info(this.#stream, this.#spec.consumer.name).catch((error: unknown) => {
      this.#logger.warn("could not have NATS drop the pull requests of the closing subscription", { error: messageOf(error) });
    });
    await waitAtMost(request, FORGET_PULLS_MAX_MS);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  unsubscribe(): Promise<void> {
    return this.close();
  }

  /**
   * Stops pulling (what was pulled and not started goes back at once),
   * waits for the handlers within the drain time, then hands the messages of
   * handlers still running back to JetStream, sends the last
   * acknowledgements, and deletes the consumer of a subscriber without a
   * group (a group's stays for its other and future members).
   */
  async #close(): Promise<void> {
    const { drainTimeoutMs } = this.#context.options;
    const deadline = performance.now() + drainTimeoutMs;
    this.#stopping = true;
    if (this.#messages !== undefined) {
      this.#messages.stop();
      this.#pullsForgotten = this.#forgetPulls();
    }
    const drained = await this.#slots.drain(Math.max(0, deadline - performance.now()));
    if (!drained) {
      this.#logger.warn("handlers still running after the drain time; aborting them and handing their messages back", {
        drainTimeoutMs,
        running: this.#slots.busy,
      });
      const abandoned = [...this.#inFlight];
      for (const msg of abandoned) this.#abandoned.add(msg);
      this.#inFlight.clear();
      this.#abortHandlers.abort(new Error(`subscription to "${this.topic}" closed`));
      await Promise.all(abandoned.map((msg) => this.#handBack(msg)));
    }
    await this.#pullsForgotten;
    clearInterval(this.#progressTimer);
    const finishMs = Math.max(FINISH_MIN_MS, deadline - performance.now());
    await waitAtMost(this.#loop, finishMs);
    await waitAtMost(this.#context.flush(), finishMs);
    if (this.group === undefined) {
      await waitAtMost(
        this.#context.jsm.consumers.delete(this.#stream, this.#spec.consumer.name).catch((error: unknown) => {
          this.#logger.warn("deleting the consumer failed; JetStream removes it once inactive", { error: messageOf(error) });
        }),
        finishMs,
      );
    }
    this.#context.closed(this);
  }
}
