import { createHash } from "node:crypto";

/**
 * Where a topic lives in JetStream: one stream per topic, `KLED_<topic>`,
 * capturing the one subject `kled.<topic>`. A stream per topic (rather than
 * one stream for a subject hierarchy) gives each topic its own retention
 * limit, and lets a topic's messages be inspected, purged or deleted
 * without touching the others. The subject keeps the topic's dots, so that
 * other NATS tools see the hierarchy (`kled.orders.created`).
 */
export const SUBJECT_PREFIX = "kled.";
export const STREAM_PREFIX = "KLED_";

/** Stream and consumer names longer than this are shortened with a hash: the server stores them as file names. */
const NAME_MAX = 200;
/** Kept of a long name before its hash: still recognisable in `nats stream ls`. */
const NAME_KEPT = 160;

/** The subject a topic's messages are published on; throws naming the topic when it cannot be one. */
export function topicSubject(topic: string): string {
  if (topic.split(".").some((token) => token === "")) {
    throw new Error(
      `broker "nats": topic ${JSON.stringify(topic)} cannot be a NATS subject (an empty token between dots); remove the leading, trailing or doubled dot`,
    );
  }
  return SUBJECT_PREFIX + topic;
}

/** The stream of a topic. */
export function topicStream(topic: string): string {
  return bounded(STREAM_PREFIX + escapeName(topic));
}

/** The durable consumer of a consumer group: shared by its members across processes. */
export function groupConsumer(group: string): string {
  return bounded(`group_${escapeName(group)}`);
}

/** The durable consumer of one subscriber without a group. */
export function fanoutConsumer(subscriber: string): string {
  return bounded(`fanout_${escapeName(subscriber)}`);
}

/**
 * Letters, digits and `-` as they are; every other byte (of the UTF-8 form)
 * as `_XX` in hex, `_` itself included, so that two names never meet
 * (stream and consumer names allow no `.`, `*`, `>` or whitespace).
 */
function escapeName(name: string): string {
  let escaped = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const char = String.fromCharCode(byte);
    escaped += /[A-Za-z0-9-]/.test(char) ? char : `_${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return escaped;
}

function bounded(name: string): string {
  if (name.length <= NAME_MAX) return name;
  return `${name.slice(0, NAME_KEPT)}_${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}
