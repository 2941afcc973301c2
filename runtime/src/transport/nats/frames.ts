/**
 * The wire format of Kled RPC over NATS. Internal to the NATS transport.
 *
 * Subjects. A server serving over NATS subscribes to a subject of its own
 * node, `kled.rpc.<random id>`, and advertises it in its registry node
 * metadata (`nats.subject`): clients address nodes, not services, so the
 * selector, the per-node circuit breaker and retry-on-another-node work as
 * over gRPC (a queue group would let NATS pick the node behind their back).
 * A client subscribes once to `<inbox>.>` on a fresh inbox of its own.
 *
 * Messages. Every NATS message carries one or more frames in its payload,
 * back to back: a sender coalesces the frames it writes to one subject
 * within one turn of the event loop into one message (outbox.ts), which is
 * what lets many calls in flight share few messages; a frame that nothing
 * else can join goes at once (a client's lone call, the last answer to a
 * client with no other call in flight). A client publishes to
 * the node's subject with the reply subject `<inbox>.<node number>-<batch
 * number>`; the server answers every call of that client on `<inbox>.r`
 * (the reply subject without its last token, then `.r`).
 * When no server listens on the subject, the NATS server answers the
 * batch's reply subject with a 503 status (no responders): the calls the
 * batch opened fail UNAVAILABLE, known not to have reached any server, and
 * the other calls in flight to that node fail UNAVAILABLE (its server is
 * gone). While calls to a node are in flight, the client sends it a PING
 * frame every {@link NODE_PROBE_INTERVAL_MS}: a server that died without a
 * word (its NATS connection closed, NATS itself up) is found that way, as a
 * closed connection is over gRPC.
 *
 * Frames. A frame is a type byte, the call id (a varint, chosen by the
 * client, unique per client inbox), and its fields. Integers are unsigned
 * LEB128 varints; strings and bytes are a varint length then the bytes
 * (strings UTF-8). Metadata is a varint count, then per entry its key, a
 * byte 0 (text) or 1 (binary, the key ending in `-bin`) and the value.
 *
 * Client → server:
 * - OPEN (1): method path (`/pkg.Service/Method`), timeout (varint: 0 none,
 *   else milliseconds + 1, relative so clocks need not agree), peer (the
 *   client's address as its NATS server saw it, `ip:client-id`), request
 *   metadata (the codec as `kled-codec`, as over gRPC), then for unary and
 *   server-streaming methods the request message.
 * - MSG (2): a sequence number (1, 2, … per direction) and one request message.
 * - END (3): the request stream is complete (half-close).
 * - CANCEL (4): a status code, CANCELLED or DEADLINE_EXCEEDED: the server
 *   aborts the handler's signal with it.
 * - CREDIT (5): n more response messages may be sent.
 * - PING (11, call id 0): nothing to do; sent for the no-responders answer.
 *
 * Server → client:
 * - HEADER (6): response metadata, before the first message or the status.
 * - MSG (7): a sequence number and one response message.
 * - STATUS (8): code, details and trailer metadata; ends the call. An unknown
 *   method answers UNIMPLEMENTED, a stopping server UNAVAILABLE.
 * - CREDIT (9): n more request messages may be sent.
 * - REPLY (10): the whole answer of a unary or client-streaming call in one
 *   frame: response metadata, the message, trailer metadata (status OK).
 *
 * Flow control. Each direction of a stream starts with {@link INITIAL_CREDIT}
 * messages of credit; a receiver grants more as its reader consumes them
 * (half a window at a time), and a sender waits when its credit is spent,
 * so a slow reader holds at most a window of messages in memory. NATS
 * delivers one publisher's messages to a subscriber in order; the sequence
 * numbers detect a message lost on the way (a slow consumer dropped, a
 * reconnect), and the call then fails UNAVAILABLE.
 */
import { Metadata, type ReadonlyMetadata } from "../../context/metadata.js";

export const enum Frame {
  Open = 1,
  Msg = 2,
  End = 3,
  Cancel = 4,
  Credit = 5,
  Header = 6,
  ResponseMsg = 7,
  Status = 8,
  RequestCredit = 9,
  Reply = 10,
  Ping = 11,
}

/**
 * How often a client probes a node it has calls in flight with, ms: a
 * node's server gone without answering fails its calls within about this
 * long; one small message per node per interval costs next to nothing.
 */
export const NODE_PROBE_INTERVAL_MS = 1_000;

/** Messages of credit each direction of a stream starts with: enough to keep a fast stream flowing between grants. */
export const INITIAL_CREDIT = 64;

/** The subject prefix of node subjects. */
export const NODE_SUBJECT_PREFIX = "kled.rpc.";

/** The last token of the reply subject the server answers a client on. */
export const RESPONSE_TOKEN = "r";

/** A growing byte buffer frames are written into. */
export class FrameWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(capacity = 512) {
    this.#buffer = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written, viewed, not copied. */
  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  byte(value: number): this {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
    return this;
  }

  varint(value: number): this {
    this.#reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.#buffer[this.#length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#buffer[this.#length++] = v;
    return this;
  }

  bytesField(value: Uint8Array): this {
    this.varint(value.byteLength);
    this.#reserve(value.byteLength);
    this.#buffer.set(value, this.#length);
    this.#length += value.byteLength;
    return this;
  }

  string(value: string): this {
    const size = Buffer.byteLength(value);
    this.varint(size);
    this.#reserve(size);
    this.#length += this.#buffer.write(value, this.#length);
    return this;
  }

  metadata(metadata: ReadonlyMetadata | undefined): this {
    // Most calls carry none: no iterator, no array for them.
    if (metadata === undefined || (metadata instanceof Metadata && metadata.size === 0)) return this.varint(0);
    const iterator = metadata.entries();
    const first = iterator.next();
    if (first.done === true) return this.varint(0);
    const entries = [first.value, ...iterator];
    this.varint(entries.length);
    for (const [key, value] of entries) {
      this.string(key);
      if (typeof value === "string") this.byte(0).string(value);
      else this.byte(1).bytesField(value);
    }
    return this;
  }

  #reserve(size: number): void {
    if (this.#length + size <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + size));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}

/** Reads the frames of one NATS message. Throws on a truncated or malformed frame. */
export class FrameReader {
  #position = 0;
  readonly #view: Buffer;

  constructor(payload: Uint8Array) {
    this.#view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  }

  get done(): boolean {
    return this.#position >= this.#view.length;
  }

  byte(): number {
    if (this.#position >= this.#view.length) throw new Error("truncated frame");
    return this.#view[this.#position++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error("varint too long");
  }

  /** A view of the next bytes field; valid while the payload is. */
  bytesField(): Uint8Array {
    const size = this.varint();
    const end = this.#position + size;
    if (end > this.#view.length) throw new Error("truncated frame");
    const bytes = this.#view.subarray(this.#position, end);
    this.#position = end;
    return bytes;
  }

  /**
   * A copy of the next bytes field, for keeping beyond the payload. From
   * Node's buffer pool: a `new Uint8Array` of more than 64 bytes gets an
   * ArrayBuffer of its own outside the heap, several times the cost (about
   * 0.5 µs against 0.1 µs for a request of 100 bytes) and more work for GC.
   */
  bytesCopy(): Uint8Array {
    const size = this.varint();
    const end = this.#position + size;
    if (end > this.#view.length) throw new Error("truncated frame");
    const bytes = Buffer.allocUnsafe(size);
    this.#view.copy(bytes, 0, this.#position, end);
    this.#position = end;
    return bytes;
  }

  string(): string {
    const size = this.varint();
    const end = this.#position + size;
    if (end > this.#view.length) throw new Error("truncated frame");
    const value = this.#view.toString("utf8", this.#position, end);
    this.#position = end;
    return value;
  }

  /** Metadata entries in wire order; text values repeated under one key are joined with ", ", as HTTP/2 carries them. */
  metadataInto(target: Metadata): Metadata {
    return this.#entriesInto(this.varint(), target);
  }

  /** Like {@link metadataInto} into a new Metadata, or undefined when there are no entries (most calls): no Map for them. */
  metadataOrNone(): Metadata | undefined {
    const count = this.varint();
    return count === 0 ? undefined : this.#entriesInto(count, new Metadata());
  }

  /** Reads past metadata without keeping it. */
  skipMetadata(): void {
    const count = this.varint();
    for (let i = 0; i < count; i++) {
      this.bytesField();
      this.byte();
      this.bytesField();
    }
  }

  #entriesInto(count: number, target: Metadata): Metadata {
    for (let i = 0; i < count; i++) {
      const key = this.string();
      if (this.byte() === 0) {
        const value = this.string();
        const before = target.get(key);
        if (before === undefined) target.append(key, value);
        else target.set(key, `${before}, ${value}`);
      } else {
        target.append(key, new Uint8Array(this.bytesField()));
      }
    }
    return target;
  }
}

/** Reads past the fields of a server → client frame, for a call that is over. */
export function skipServerFrame(type: number, reader: FrameReader): void {
  switch (type) {
    case Frame.Header:
      reader.skipMetadata();
      return;
    case Frame.ResponseMsg:
      reader.varint();
      reader.bytesField();
      return;
    case Frame.Status:
      reader.varint();
      reader.bytesField();
      reader.skipMetadata();
      return;
    case Frame.RequestCredit:
      reader.varint();
      return;
    case Frame.Reply:
      reader.skipMetadata();
      reader.bytesField();
      reader.skipMetadata();
      return;
    default:
      throw new Error(`unknown frame type ${type}`);
  }
}
