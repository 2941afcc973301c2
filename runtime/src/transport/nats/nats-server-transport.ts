import { randomUUID } from "node:crypto";
import { connectNats } from "../../broker/nats/connection.js";
import { Metadata } from "../../context/metadata.js";
import { REQUEST_ID_KEY } from "../../context/propagation.js";
import { CODEC_METADATA_KEY } from "../../codec/codecs.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import type { Msg, NatsConnection, Subscription } from "../../peers/nats-transport.js";
import { CallContext } from "../../server/call-context.js";
import { serveCall, streamRequest, unaryRequest, type MethodBinding } from "../../server/serve-call.js";
import type { ServerTransport } from "../../server/server-transport.js";
import { NATS_SUBJECT_METADATA_KEY } from "../transport-spec.js";
import { Frame, FrameReader, NODE_SUBJECT_PREFIX, RESPONSE_TOKEN, type FrameWriter } from "./frames.js";
import { Outbox } from "./outbox.js";
import { ServerCall, type ReplyChannel } from "./server-call.js";

/**
 * Serves a KledServer's methods over NATS request-reply (wire format in
 * frames.ts), next to gRPC and through the same per-call pipeline
 * (serve-call.ts): middleware, auth, context, deadlines, cancellation,
 * status codes and metadata behave as over gRPC.
 */
export class NatsServerTransport implements ServerTransport {
  /** The subject of this node. */
  readonly subject = `${NODE_SUBJECT_PREFIX}${randomUUID().replaceAll("-", "")}`;
  readonly #outbox: Outbox;
  /** Calls in flight by `<client inbox> <call id>`. */
  readonly #calls = new Map<string, ServerCall>();
  /** One reply channel per client inbox while it has calls here. */
  readonly #channels = new Map<string, ReplyChannel>();
  readonly #maxPayload: number;
  #methods: ReadonlyMap<string, MethodBinding> = new Map();
  #subscription: Subscription | undefined;
  #accepting = true;
  #logger: Logger;

  private constructor(
    private readonly nc: NatsConnection,
    logger: Logger,
  ) {
    this.#logger = logger;
    this.#outbox = new Outbox(
      nc,
      () => undefined,
      (_batch, error) => this.#logger.warn("cannot send NATS RPC answers", { error: messageOf(error) }),
    );
    this.#maxPayload = nc.info?.max_payload ?? 1_048_576;
    void this.#watchConnection();
  }

  /** Connects to the NATS servers of `url` (see broker/nats/connection.ts). */
  static async connect(url: string, logger: Logger): Promise<NatsServerTransport> {
    return new NatsServerTransport(await connectNats(url, {}, logger, "kled-rpc-server"), logger);
  }

  async serve(methods: ReadonlyMap<string, MethodBinding>, logger: Logger): Promise<Record<string, string>> {
    this.#methods = methods;
    this.#logger = logger;
    this.#subscription = this.nc.subscribe(this.subject, { callback: (error, msg) => {
        if (error === null) this.#receive(msg);
      },
    });
    // The subscription is known to the NATS server before clients learn the subject.
    await this.nc.flush();
    logger.info("serving over NATS", { subject: this.subject });
    return { [NATS_SUBJECT_METADATA_KEY]: this.subject };
  }

  stopAccepting(): void {
    this.#accepting = false;
  }

  async close(): Promise<void> {
    this.#accepting = false;
    this.#outbox.flush();
    this.#subscription?.unsubscribe();
    await this.nc.drain().catch(() => this.nc.close());
  }

  #receive(msg: Msg): void {
    const reply = msg.reply;
    if (reply === undefined || reply === "") return;
    const inbox = reply.slice(0, reply.lastIndexOf("."));
    const reader = new FrameReader(msg.data);
    try {
      while (!reader.done) this.#frame(reader, inbox);
    } catch (error) {
      this.#logger.warn("dropped a malformed NATS RPC message", { subject: msg.subject, error: messageOf(error) });
    }
  }

  #frame(reader: FrameReader, inbox: string): void {
    const type = reader.byte();
    const id = reader.varint();
    if (type === Frame.Open) return this.#open(reader, inbox, id);
    const call = this.#calls.get(`${inbox} ${id}`);
    switch (type) {
      case Frame.Msg: {
        const seq = reader.varint();
        const bytes = reader.bytesField();
        call?.pushRequest(seq, bytes);
        return;
      }
      case Frame.End:
        call?.endRequests();
        return;
      case Frame.Ping:
        return;
      // Fields are read before the call is looked at: a frame for a call that
      // is over must still be read past.
      case Frame.Cancel: {
        const code = reader.varint();
        call?.cancel(code);
        return;
      }
      case Frame.Credit: {
        const n = reader.varint();
        call?.grant(n);
        return;
      }
      default:
        throw new Error(`unknown frame type ${type}`);
    }
  }

  #open(reader: FrameReader, inbox: string, id: number): void {
    const path = reader.string();
    const timeout = reader.varint();
    const peer = reader.string();
    const metadata = reader.metadataOrNone();
    const binding = this.#methods.get(path);
    const single = binding === undefined || binding.method.kind === "unary" || binding.method.kind === "server_streaming";
    const message = single ? reader.bytesField() : undefined;
    const channel = this.#channel(inbox);
    if (binding === undefined || !this.#accepting) {
      const [code, details] =
        binding === undefined ? [Code.Unimplemented, `method ${path} is not served here`] : [Code.Unavailable, "the server is shutting down"];
      channel.send((w) => w.byte(Frame.Status).varint(id).varint(code).string(details).varint(0));
      return;
    }
    const context = new CallContext({
      method: binding.method,
      service: binding.service,
      metadata: metadata === undefined ? () => new Metadata() : metadata,
      deadline: timeout === 0 ? undefined : new Date(Date.now() + timeout - 1),
      peer,
      // No TLS client certificate reaches a responder over NATS: mTLS auth refuses these calls.
      peerCertificate: () => undefined,
      requestId: textOf(metadata, REQUEST_ID_KEY),
      parentLogger: binding.logger,
    });
    const call = new ServerCall(id, binding, context, channel);
    const key = `${inbox} ${id}`;
    this.#calls.set(key, call);
    // Copied: the payload's buffer is the NATS client's to reuse, and the request is decoded lazily.
    const bytes = message === undefined ? undefined : new Uint8Array(message);
    serveCall(
      binding,
      context,
      textOf(metadata, CODEC_METADATA_KEY),
      (codec) =>
        bytes === undefined ? streamRequest(binding, codec, call.requests(), context) : unaryRequest(binding, codec, bytes, context),
      call.responder(),
      () => this.#calls.delete(key),
    );
  }

  #channel(inbox: string): ReplyChannel {
    let channel = this.#channels.get(inbox);
    if (channel === undefined) {
      const subject = `${inbox}.${RESPONSE_TOKEN}`;
      const outbox = this.#outbox;
      channel = {
        maxPayload: this.#maxPayload,
        send(write: (writer: FrameWriter) => void) {
          write(outbox.to(subject).writer);
          outbox.written(subject);
        },
      };
      // Few clients, each with one inbox: kept for the life of the server would
      // grow with every client that ever called; kept only while the map is small.
      if (this.#channels.size >= MAX_CACHED_CHANNELS) this.#channels.clear();
      this.#channels.set(inbox, channel);
    }
    return channel;
  }

  /** Calls in flight fail UNAVAILABLE when the connection to NATS is lost: their client cannot hear from them. */
  async #watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type !== "disconnect") continue;
      const lost = new KledError(Code.Unavailable, "the connection to the NATS server was lost");
      for (const call of this.#calls.values()) call.context.abort(lost);
    }
  }
}

/** Reply channels kept for reuse, one per calling client inbox. */
const MAX_CACHED_CHANNELS = 4_096;

function textOf(metadata: Metadata | undefined, key: string): string | undefined {
  return metadata?.has(key) === true ? metadata.get(key) : undefined;
}
