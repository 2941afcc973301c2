import type { DeadLetter } from "../dead-letter.js";
import type { Envelope } from "../envelope.js";
import type { DeadLetterFacts } from "../dead-letter.js";

/**
 * Field names of a message in its stream. Other programs may write and read
 * these streams, so the names are part of the wire format.
 */
export const FIELD = {
  payload: "payload",
  contentType: "content-type",
  /** JSON object of string values. */
  headers: "headers",
  /** Milliseconds since the epoch, decimal. */
  publishedAt: "published-at",
} as const;

/** Fields a dead-letter entry adds to the message's own. */
export const DEAD_LETTER_FIELD = {
  error: "error",
  deliveries: "deliveries",
  group: "group",
  consumer: "consumer",
  originalId: "original-id",
  topic: "topic",
  /** Milliseconds since the epoch, decimal. */
  deadAt: "dead-at",
} as const;

const deadLetterFieldNames = new Set<string>(Object.values(DEAD_LETTER_FIELD));

/** One stream entry as read: its id and its field/value list, values kept as bytes. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: readonly Buffer[];
}

const EMPTY_HEADERS_JSON = "{}";
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/** The arguments of `XADD` for a message: the key, `before` (trimming clause, id), then the fields. */
export function xaddArgs(
  key: string,
  before: readonly (string | number)[],
  envelope: Envelope,
): [key: string, ...args: (string | number | Buffer)[]] {
  const { payload } = envelope;
  return [
    key,
    ...before,
    FIELD.payload,
    Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    FIELD.contentType,
    envelope.contentType,
    FIELD.headers,
    envelope.headers === noHeaders || Object.keys(envelope.headers).length === 0
      ? EMPTY_HEADERS_JSON
      : JSON.stringify(envelope.headers),
    FIELD.publishedAt,
    String(envelope.publishedAt),
  ];
}

/** Field names as bytes, compared without decoding: this runs for every message read. */
const PAYLOAD = Buffer.from(FIELD.payload);
const CONTENT_TYPE = Buffer.from(FIELD.contentType);
const HEADERS = Buffer.from(FIELD.headers);
const PUBLISHED_AT = Buffer.from(FIELD.publishedAt);

/** The last content type seen, decoded: a stream rarely mixes more than one or two. */
let lastContentType: { bytes: Buffer; text: string } | undefined;

/** Byte equality in JavaScript: for these few bytes cheaper than the native `Buffer.equals`. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function contentTypeOf(bytes: Buffer): string {
  if (lastContentType === undefined || !sameBytes(lastContentType.bytes, bytes)) {
    lastContentType = { bytes: Buffer.from(bytes), text: bytes.toString("utf8") };
  }
  return lastContentType.text;
}

/**
 * The envelope of a message entry. Throws an Error saying what is wrong with
 * an entry that has no payload, no content type, or malformed headers or
 * time: such an entry can never be handled.
 */
export function envelopeOf(fields: readonly Buffer[]): Envelope {
  let payload: Buffer | undefined;
  let contentType: string | undefined;
  let headers: Readonly<Record<string, string>> = noHeaders;
  let publishedAt = 0;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (sameBytes(name, PAYLOAD)) {
      payload = value;
    } else if (sameBytes(name, CONTENT_TYPE)) {
      contentType = contentTypeOf(value);
    } else if (sameBytes(name, HEADERS)) {
      headers = parseHeaders(value);
    } else if (sameBytes(name, PUBLISHED_AT)) {
      publishedAt = millisecondsOf(value);
    }
  }
  if (payload === undefined) throw new Error(`the entry has no "${FIELD.payload}" field`);
  if (contentType === undefined) throw new Error(`the entry has no "${FIELD.contentType}" field`);
  return { payload, contentType, headers, publishedAt };
}

/** Decimal digits to a number, without decoding a string first; throws on anything else. */
function millisecondsOf(value: Buffer): number {
  let ms = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = value[i]! - 0x30;
    if (digit < 0 || digit > 9) throw new Error(`field "${FIELD.publishedAt}" is not a number of milliseconds`);
    ms = ms * 10 + digit;
  }
  if (value.length === 0 || value.length > 16) throw new Error(`field "${FIELD.publishedAt}" is not a number of milliseconds`);
  return ms;
}

function parseHeaders(value: Buffer): Readonly<Record<string, string>> {
  if (value.length === 2 && value[0] === 0x7b && value[1] === 0x7d) return noHeaders;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    throw new Error(`field "${FIELD.headers}" is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`field "${FIELD.headers}" is not a JSON object`);
  }
  for (const [key, item] of Object.entries(parsed)) {
    if (typeof item !== "string") throw new Error(`header ${JSON.stringify(key)} is not a string`);
  }
  return parsed as Record<string, string>;
}

/** The fields of a dead-letter entry: the message's own (any earlier dead-letter facts dropped), then the facts. */
export function deadLetterFields(original: readonly Buffer[], facts: DeadLetterFacts): (string | Buffer)[] {
  const fields: (string | Buffer)[] = [];
  for (let i = 0; i + 1 < original.length; i += 2) {
    if (deadLetterFieldNames.has(original[i]!.toString("latin1"))) continue;
    fields.push(original[i]!, original[i + 1]!);
  }
  fields.push(
    DEAD_LETTER_FIELD.error,
    facts.error,
    DEAD_LETTER_FIELD.deliveries,
    String(facts.deliveries),
    DEAD_LETTER_FIELD.group,
    facts.group ?? "",
    DEAD_LETTER_FIELD.consumer,
    facts.consumer,
    DEAD_LETTER_FIELD.originalId,
    facts.id,
    DEAD_LETTER_FIELD.topic,
    facts.topic,
    DEAD_LETTER_FIELD.deadAt,
    String(Date.now()),
  );
  return fields;
}

/** A dead-letter entry read back. Tolerates malformed message fields: they are why many letters exist. */
export function deadLetterOf(entry: StreamEntry): DeadLetter {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < entry.fields.length; i += 2) map.set(entry.fields[i]!.toString("latin1"), entry.fields[i + 1]!);
  const text = (name: string) => map.get(name)?.toString("utf8");
  let headers: Readonly<Record<string, string>> = noHeaders;
  try {
    const raw = map.get(FIELD.headers);
    if (raw !== undefined) headers = parseHeaders(raw);
  } catch {
    // Malformed headers stay visible in the payload's neighbours; the letter is still worth reading.
  }
  const publishedAt = Number(text(FIELD.publishedAt));
  const group = text(DEAD_LETTER_FIELD.group);
  return {
    topic: text(DEAD_LETTER_FIELD.topic) ?? "",
    id: text(DEAD_LETTER_FIELD.originalId) ?? "",
    error: text(DEAD_LETTER_FIELD.error) ?? "",
    deliveryCount: Number(text(DEAD_LETTER_FIELD.deliveries) ?? 0),
    group: group === undefined || group === "" ? undefined : group,
    consumer: text(DEAD_LETTER_FIELD.consumer),
    payload: map.get(FIELD.payload),
    contentType: text(FIELD.contentType),
    headers,
    publishedAt: map.has(FIELD.publishedAt) && Number.isFinite(publishedAt) ? new Date(publishedAt) : undefined,
  };
}

/**
 * The entries of an `XREAD`/`XREADGROUP` reply for one stream (null when the
 * read timed out). Entries whose fields are nil (deleted meanwhile) keep an
 * empty field list.
 */
export function entriesOfRead(reply: unknown): StreamEntry[] {
  if (reply === null) return [];
  const streams = reply as [Buffer, unknown[]][];
  const first = streams[0];
  return first === undefined ? [] : entriesOf(first[1]);
}

/** The parts of an `XAUTOCLAIM` reply: next cursor, claimed entries, ids deleted from the stream (Redis 7+). */
export function parseAutoClaim(reply: unknown): { next: string; entries: StreamEntry[]; deleted: string[] } {
  const [next, entries, deleted] = reply as [Buffer, unknown[], Buffer[] | undefined];
  return {
    next: next.toString("latin1"),
    entries: entriesOf(entries).filter((entry) => entry.fields.length > 0),
    deleted: (deleted ?? []).map((id) => id.toString("latin1")),
  };
}

/** The entries of an `XRANGE`-shaped list. */
export function entriesOf(list: unknown[]): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const item of list) {
    if (item === null) continue;
    const [id, fields] = item as [Buffer, Buffer[] | null];
    entries.push({ id: id.toString("latin1"), fields: fields ?? [] });
  }
  return entries;
}
