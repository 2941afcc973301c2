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
import { ClientInbox } from "./client-inbox.js";
import { FramePacer } from "./frame-pacer.js";
import { Frame, type FrameReader, NODE_SUBJECT_PREFIX } from "./frames.js";
import { Outbox } from "./outbox.js";
import { ServerCall } from "./server-call.js";

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
  /** The clients that called, by inbox, with their calls in flight. */
  readonly #clients = new Map<string, ClientInbox>();
  readonly #maxPayload: number;
  readonly #pacer = new FramePacer<ClientInbox>(
    (reader, client) => this.#frame(reader, client),
    (client, error) =>
      this.#logger.warn("dropped a malformed NATS RPC message", { subject: client.subject, error: messageOf(error) }),
    () => this.#outbox.flush(),
  );
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
    this.#pacer.push(msg.data, this.#client(reply.slice(0, reply.lastIndexOf("."))));
  }

  #frame(reader: FrameReader, client: ClientInbox): void {
    const type = reader.byte();
    const id = reader.varint();
    if (type === Frame.Open) return this.#open(reader, client, id);
    const call = client.calls.get(id);
    switch (type) {
      case Frame.Msg: {
        const seq = reader.varint();
        // Copied: the payload's buffer is the NATS client's to reuse.
        const bytes = reader.bytesCopy();
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

  #open(reader: FrameReader, client: ClientInbox, id: number): void {
    const path = reader.string();
    const timeout = reader.varint();
    const peer = reader.string();
    const metadata = reader.metadataOrNone();
    const binding = this.#methods.get(path);
    const single = binding === undefined || binding.method.kind === "unary" || binding.method.kind === "server_streaming";
    // Copied: the payload's buffer is the NATS client's to reuse, and the request is decoded lazily.
    const bytes = single ? reader.bytesCopy() : undefined;
    if (binding === undefined || !this.#accepting) {
      const [code, details] =
        binding === undefined ? [Code.Unimplemented, `method ${path} is not served here`] : [Code.Unavailable, "the server is shutting down"];
      client.writer().byte(Frame.Status).varint(id).varint(code).string(details).varint(0);
      client.written(false);
      return;
    }
    const context = new CallContext({
      method: binding.method,
      service: binding.service,
      metadata: metadata ?? noMetadata,
      deadline: timeout === 0 ? undefined : new Date(Date.now() + timeout - 1),
      peer,
      peerCertificate: noCertificate,
      requestId: textOf(metadata, REQUEST_ID_KEY),
      parentLogger: binding.logger,
    });
    const call = new ServerCall(id, binding, context, client);
    client.calls.set(id, call);
    serveCall(
      binding,
      context,
      textOf(metadata, CODEC_METADATA_KEY),
      (codec) =>
        bytes === undefined ? streamRequest(binding, codec, call.requests(), context) : unaryRequest(binding, codec, bytes, context),
      call,
      () => client.calls.delete(id),
    );
  }

  #client(inbox: string): ClientInbox {
    let client = this.#clients.get(inbox);
    if (client === undefined) {
      // Kept for the next calls of the same client; a server called by ever new
      // clients forgets those with no call in flight once there are many.
      if (this.#clients.size >= MAX_KEPT_CLIENTS) {
        for (const [key, idle] of this.#clients) if (idle.calls.size === 0) this.#clients.delete(key);
      }
      client = new ClientInbox(inbox, this.#outbox, this.#maxPayload);
      this.#clients.set(inbox, client);
    }
    return client;
  }

  /** Calls in flight fail UNAVAILABLE when the connection to NATS is lost: their client cannot hear from them. */
  async #watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type !== "disconnect") continue;
      const lost = new KledError(Code.Unavailable, "the connection to the NATS server was lost");
      for (const client of this.#clients.values()) for (const call of client.calls.values()) call.context.abort(lost);
    }
  }
}

/** Calling clients kept for reuse (their inbox and answer subject) while they have no call in flight. */
const MAX_KEPT_CLIENTS = 4_096;

/** The request metadata of a call that sent none, made if read. */
const noMetadata = (): Metadata => new Metadata();

/** No TLS client certificate reaches a responder over NATS: mTLS auth refuses these calls. */
const noCertificate = (): undefined => undefined;

function textOf(metadata: Metadata | undefined, key: string): string | undefined {
  return metadata?.has(key) === true ? metadata.get(key) : undefined;
}
