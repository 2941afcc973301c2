import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
} from "../../peers/nats-jetstream.js";
import { topicStream, topicSubject } from "./names.js";

/** JetStream's code for "consumer not found". */
const CONSUMER_NOT_FOUND = 10014;

/**
 * Two minutes, JetStream's default: a publish repeated within it with the
 * same message id (a dead letter written twice by two members of a group)
 * is stored once.
 */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

const NANOS_PER_MS = 1_000_000;

/** What a topic's stream keeps. */
export interface StreamLimits {
  /** Messages kept; the oldest are discarded beyond. */
  readonly maxMessages: number;
}

/**
 * Creates the stream of `topic` unless it exists (any configuration an
 * operator gave it stays); resolves with its name. File storage, limits
 * retention: the stream keeps messages for every group, each group's
 * durable consumer tracks what it handled.
 */
export async function ensureStream(jsm: JetStreamManager, topic: string, limits: StreamLimits): Promise<string> {
  const name = topicStream(topic);
  const subject = topicSubject(topic);
  try {
    await jsm.streams.add({
      name,
      subjects: [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs: limits.maxMessages,
      discard: DiscardPolicy.Old,
      duplicate_window: DUPLICATE_WINDOW_MS * NANOS_PER_MS,
    });
  } catch (error) {
    // Created meanwhile by another process, or configured otherwise by an operator: fine if it carries the subject.
    const info = await jsm.streams.info(name).catch(() => undefined);
    if (info === undefined) throw error;
    if (!info.config.subjects?.includes(subject)) {
      throw new Error(`stream ${name} exists without the subject ${subject}; delete it or add the subject`, { cause: error });
    }
  }
  return name;
}

/** How a consumer that does not exist yet starts. */
export type ConsumerStart = { readonly policy: "new" } | { readonly policy: "all" } | { readonly policy: "after"; readonly sequence: number };

/** The settings of a subscription's durable consumer. */
export interface ConsumerSettings {
  readonly name: string;
  readonly ackWaitMs: number;
  /** Set for the consumer of a subscriber without a group: removed once nobody pulled for this long. */
  readonly inactiveMs: number | undefined;
}

/**
 * Creates the durable consumer unless it exists (a group's consumer outlives
 * its members, and resumes where the group was). Acknowledgements are
 * explicit; JetStream itself never stops delivering (`max_deliver` -1):
 * the subscription counts deliveries and moves a message to the dead
 * letters itself, so that none is dropped with only an advisory to show.
 */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, settings: ConsumerSettings, start: ConsumerStart): Promise<void> {
  try {
    await jsm.consumers.info(stream, settings.name);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== CONSUMER_NOT_FOUND) throw error;
  }
  const config: Partial<ConsumerConfig> & { durable_name: string } = {
    durable_name: settings.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: settings.ackWaitMs * NANOS_PER_MS,
    max_deliver: -1,
    ...(settings.inactiveMs === undefined ? {} : { inactive_threshold: settings.inactiveMs * NANOS_PER_MS }),
    ...deliverPolicy(start),
  };
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    // Another member of the group created it meanwhile.
    if ((await jsm.consumers.info(stream, settings.name).catch(() => undefined)) === undefined) throw error;
  }
}

function deliverPolicy(start: ConsumerStart): Partial<ConsumerConfig> {
  switch (start.policy) {
    case "new":
      return { deliver_policy: DeliverPolicy.New };
    case "all":
      return { deliver_policy: DeliverPolicy.All };
    case "after":
      return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.sequence + 1 };
  }
}
