import { messageOf } from "../../errors/message-of.js";
import { headers as newHeaders, type MsgHdrs } from "../../peers/nats-transport.js";
import type { DeadLetter } from "../dead-letter.js";
import type { Envelope } from "../envelope.js";
import type { DeadLetterFacts } from "../dead-letter.js";

/**
 * NATS headers of a message. The publisher's own headers (trace context
 * such as `traceparent`, anything else) travel as NATS headers of the same
 * name, so that other NATS tools and instrumentations see them; the broker
 * adds these. Other programs may read and write the streams, so the names
 * are part of the wire format.
 */
export const HEADER = {
  contentType: "Content-Type",
  /** Milliseconds since the epoch, decimal, on the publisher's clock. */
  publishedAt: "Kled-Published-At",
} as const;

/** Headers a dead letter adds to the message's own. */
export const DEAD_LETTER_HEADER = {
  error: "Kled-Error",
  deliveries: "Kled-Deliveries",
  group: "Kled-Group",
  consumer: "Kled-Consumer",
  originalId: "Kled-Original-Id",
  topic: "Kled-Topic",
  /** Milliseconds since the epoch, decimal. */
  deadAt: "Kled-Dead-At",
} as const;

/** Header values are one line; an error longer than this is cut (4 KiB: messages are bounded at 1 MiB by default, headers included). */
const ERROR_TEXT_MAX = 4_096;

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});
const envelopeHeaderNames = new Set<string>(Object.values(HEADER));

/** The NATS headers of an envelope; throws naming a header NATS cannot carry. */
export function headersOf(envelope: Envelope): MsgHdrs {
  const headers = newHeaders();
  headers.set(HEADER.contentType, envelope.contentType);
  headers.set(HEADER.publishedAt, String(envelope.publishedAt));
  for (const [name, value] of Object.entries(envelope.headers)) {
    if (envelopeHeaderNames.has(name)) {
      throw new Error(`header ${JSON.stringify(name)} is set by the broker; use another name`);
    }
    try {
      headers.set(name, value);
    } catch (error) {
      throw new Error(`header ${JSON.stringify(name)} cannot travel as a NATS header: ${messageOf(error)}`, { cause: error });
    }
  }
  return headers;
}

/**
 * The envelope of a message as delivered. Throws an Error saying what is
 * wrong with a message that has no content type or a malformed time: such a
 * message can never be handled. `storedAt` (the stream's time) stands in
 * for a publisher that set no time.
 */
export function envelopeOf(data: Uint8Array, headers: MsgHdrs | undefined, storedAt: number): Envelope {
  const contentType = headers?.get(HEADER.contentType) ?? "";
  if (contentType === "") throw new Error(`the message has no "${HEADER.contentType}" header`);
  const published = headers?.get(HEADER.publishedAt) ?? "";
  let publishedAt = storedAt;
  if (published !== "") {
    if (!/^\d{1,16}$/.test(published)) throw new Error(`header "${HEADER.publishedAt}" is not a number of milliseconds`);
    publishedAt = Number(published);
  }
  return { payload: data, contentType, headers: userHeaders(headers), publishedAt };
}

/** The publisher's headers: the first value of each, without the broker's own and the server's (`Nats-…`). */
function userHeaders(headers: MsgHdrs | undefined): Readonly<Record<string, string>> {
  if (headers === undefined) return noHeaders;
  let result: Record<string, string> | undefined;
  for (const name of headers.keys()) {
    if (envelopeHeaderNames.has(name) || name.startsWith("Nats-")) continue;
    (result ??= {})[name] = headers.get(name);
  }
  return result ?? noHeaders;
}

/** The headers of a dead letter: the message's own (any earlier dead-letter facts dropped), then the facts. */
export function deadLetterHeaders(original: MsgHdrs | undefined, facts: DeadLetterFacts): MsgHdrs {
  const headers = newHeaders();
  const factNames = new Set<string>(Object.values(DEAD_LETTER_HEADER));
  for (const name of original?.keys() ?? []) {
    if (factNames.has(name) || name.startsWith("Nats-")) continue;
    for (const value of original!.values(name)) headers.append(name, value);
  }
  headers.set(DEAD_LETTER_HEADER.error, oneLine(facts.error));
  headers.set(DEAD_LETTER_HEADER.deliveries, String(facts.deliveries));
  if (facts.group !== undefined) headers.set(DEAD_LETTER_HEADER.group, oneLine(facts.group));
  headers.set(DEAD_LETTER_HEADER.consumer, facts.consumer);
  headers.set(DEAD_LETTER_HEADER.originalId, facts.id);
  headers.set(DEAD_LETTER_HEADER.topic, facts.topic);
  headers.set(DEAD_LETTER_HEADER.deadAt, String(Date.now()));
  return headers;
}

/** A dead letter read back. Tolerates malformed message headers: they are why many letters exist. */
export function deadLetterOf(data: Uint8Array, headers: MsgHdrs | undefined): DeadLetter {
  const text = (name: string) => (headers?.has(name) ? headers.get(name) : undefined);
  const factNames = new Set<string>(Object.values(DEAD_LETTER_HEADER));
  const own: Record<string, string> = {};
  for (const name of headers?.keys() ?? []) {
    if (factNames.has(name) || envelopeHeaderNames.has(name) || name.startsWith("Nats-")) continue;
    own[name] = headers!.get(name);
  }
  const publishedAt = Number(text(HEADER.publishedAt));
  return {
    topic: text(DEAD_LETTER_HEADER.topic) ?? "",
    id: text(DEAD_LETTER_HEADER.originalId) ?? "",
    error: text(DEAD_LETTER_HEADER.error) ?? "",
    deliveryCount: Number(text(DEAD_LETTER_HEADER.deliveries) ?? 0),
    group: text(DEAD_LETTER_HEADER.group),
    consumer: text(DEAD_LETTER_HEADER.consumer),
    payload: data,
    contentType: text(HEADER.contentType),
    headers: own,
    publishedAt: text(HEADER.publishedAt) !== undefined && Number.isFinite(publishedAt) ? new Date(publishedAt) : undefined,
  };
}

/** A header value: one line (NATS headers cannot hold line breaks), bounded. */
function oneLine(text: string): string {
  const line = text.replace(/[\r\n]+/g, " ");
  return line.length > ERROR_TEXT_MAX ? `${line.slice(0, ERROR_TEXT_MAX)}…` : line;
}
