import { randomUUID } from "node:crypto";
import { connectNats } from "../../broker/nats/connection.js";
import type { NodeTransport } from "../../client/node-transport.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import type { Msg, NatsConnection } from "../../peers/nats-transport.js";
import { markNotSent } from "../../resilience/classify.js";
import type { NodeTarget } from "../../resilience/resilience.js";
import type { ClientRequest, ClientResponse } from "../call.js";
import { callError } from "../status.js";
import { NATS_SUBJECT_METADATA_KEY } from "../transport-spec.js";
import { ClientCall, type CallChannel } from "./client-call.js";
import { Deadlines } from "./deadlines.js";
import { Frame, FrameReader, NODE_PROBE_INTERVAL_MS, RESPONSE_TOKEN, skipServerFrame, type FrameWriter } from "./frames.js";
import { Outbox } from "./outbox.js";

/** The NATS status of a request that no subscriber received. */
const NO_RESPONDERS = 503;

/**
 * Sends calls to the nodes that advertise a NATS subject, over NATS
 * request-reply (wire format in frames.ts), with the semantics of the gRPC
 * transport: deadlines, cancellation, metadata, statuses, and all four
 * method kinds with flow control.
 */
export class NatsClientTransport implements NodeTransport {
  /** This client's inbox; every answer comes to a subject under it. */
  readonly #inbox = `_INBOX.${randomUUID().replaceAll("-", "")}`;
  readonly #outbox: Outbox;
  readonly #calls = new Map<number, ClientCall>();
  /** The calls each batch opened, by batch id, while they wait for their first answer. */
  readonly #opened = new Map<number, Set<ClientCall>>();
  readonly #channels = new Map<string, CallChannel>();
  /** Numbers of node subjects, for reply subjects; and back. */
  readonly #nodeNumbers = new Map<string, number>();
  readonly #nodeSubjects: string[] = [];
  readonly #probe: NodeJS.Timeout;
  readonly #deadlines = new Deadlines();
  /** {@link #peer}'s answer, and the server INFO it was made from: it changes only on reconnecting. */
  #peerOf: { info: unknown; peer: string } | undefined;
  readonly #maxPayload: number;
  #nextId = 1;
  #closed = false;
  /** False from a lost connection until it is back: calls then fail at once rather than wait in the NATS client's buffer. */
  #connected = true;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {
    this.#outbox = new Outbox(
      nc,
      (id, subject) => `${this.#inbox}.${this.#nodeNumber(subject)}-${id}`,
      (batch, error) => this.#lost(batch.id, new KledError(Code.Unavailable, `cannot send over NATS: ${messageOf(error)}`)),
    );
    this.#maxPayload = nc.info?.max_payload ?? 1_048_576;
    nc.subscribe(`${this.#inbox}.>`, { callback: (error, msg) => {
        if (error === null) this.#receive(msg);
      },
    });
    void this.#watchConnection();
    this.#probe = setInterval(() => this.#probeNodes(), NODE_PROBE_INTERVAL_MS).unref();
  }

  /** Connects to the NATS servers of `url` (see broker/nats/connection.ts). */
  static async connect(url: string, logger: Logger): Promise<NatsClientTransport> {
    return new NatsClientTransport(await connectNats(url, {}, logger, "kled-rpc-client"), logger);
  }

  call(node: NodeTarget, request: ClientRequest): Promise<ClientResponse> | undefined {
    const subject = node.metadata?.[NATS_SUBJECT_METADATA_KEY];
    if (subject === undefined) return undefined;
    if (request.signal.aborted) return Promise.reject(callError(undefined, request));
    if (this.#closed) {
      return Promise.reject(new KledError(Code.FailedPrecondition, `call ${request.method.path}: the client is closed; create a new one`));
    }
    if (!this.#connected) {
      return Promise.reject(
        markNotSent(new KledError(Code.Unavailable, `call ${request.method.path}: not connected to the NATS server; reconnecting`)),
      );
    }
    const call = new ClientCall(this.#nextId++, request, this.#channel(subject));
    this.#calls.set(call.id, call);
    const batch = this.#outbox.to(subject).id;
    let opened = this.#opened.get(batch);
    if (opened === undefined) this.#opened.set(batch, (opened = new Set()));
    opened.add(call);
    return call.start(this.#peer());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#probe);
    this.#failAll(new KledError(Code.Unavailable, "the client was closed"));
    this.#deadlines.clear();
    await this.nc.close();
  }

  /** The caller as the NATS server sees it, `ip:client-id`: the connection id stands where gRPC has a port. */
  #peer(): string {
    const info = this.nc.info;
    const cached = this.#peerOf;
    if (cached !== undefined && cached.info === info) return cached.peer;
    const peer = `${info?.client_ip ?? "unknown"}:${info?.client_id ?? 0}`;
    this.#peerOf = { info, peer };
    return peer;
  }

  #channel(subject: string): CallChannel {
    let channel = this.#channels.get(subject);
    if (channel === undefined) {
      const outbox = this.#outbox;
      const calls = this.#calls;
      const opened = this.#opened;
      channel = {
        subject,
        maxPayload: this.#maxPayload,
        deadlines: this.#deadlines,
        send(write: (writer: FrameWriter) => void) {
          write(outbox.to(subject).writer);
          outbox.written(subject);
        },
        forget(call: ClientCall) {
          calls.delete(call.id);
          for (const [batch, set] of opened) {
            if (set.delete(call) && set.size === 0) opened.delete(batch);
          }
        },
      };
      this.#channels.set(subject, channel);
    }
    return channel;
  }

  #receive(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    if (token !== RESPONSE_TOKEN) {
      // The NATS server answers a batch's reply subject only to say no one received it.
      const [node, batch] = token.split("-");
      if (msg.headers?.code === NO_RESPONDERS) this.#noResponders(Number(node), Number(batch), msg);
      return;
    }
    const reader = new FrameReader(msg.data);
    try {
      while (!reader.done) {
        const type = reader.byte();
        const id = reader.varint();
        const call = this.#calls.get(id);
        if (call === undefined) {
          skipServerFrame(type, reader);
          continue;
        }
        if (this.#opened.size > 0) this.#answered(call);
        call.receive(type, reader);
      }
    } catch (error) {
      this.logger.warn("dropped a malformed NATS RPC message", { subject: msg.subject, error: messageOf(error) });
    }
  }

  /** A call that heard from its server is no longer at risk of "no responders". */
  #answered(call: ClientCall): void {
    if (call.answered) return;
    for (const [batch, set] of this.#opened) {
      if (set.delete(call) && set.size === 0) this.#opened.delete(batch);
    }
  }

  #noResponders(node: number, batch: number, msg: Msg): void {
    const status = msg.headers?.description ?? "no responders";
    this.#lost(batch, markNotSent(new KledError(Code.Unavailable, `no server listens on the node's NATS subject (${status}); the node is gone`)));
    const subject = this.#nodeSubjects[node];
    const gone = new KledError(Code.Unavailable, `the node's server left its NATS subject ${subject} while the call was in flight`);
    for (const call of [...this.#calls.values()]) if (call.channel.subject === subject) call.fail(gone);
  }

  #nodeNumber(subject: string): number {
    let number = this.#nodeNumbers.get(subject);
    if (number === undefined) {
      number = this.#nodeSubjects.push(subject) - 1;
      this.#nodeNumbers.set(subject, number);
    }
    return number;
  }

  /** Sends a PING to every node with calls in flight (see frames.ts). */
  #probeNodes(): void {
    if (!this.#connected || this.#calls.size === 0) return;
    const subjects = new Set<string>();
    for (const call of this.#calls.values()) subjects.add(call.channel.subject);
    for (const subject of subjects) this.#channel(subject).send((w) => w.byte(Frame.Ping).varint(0));
  }

  /** Fails the calls a batch opened, which never reached a server. */
  #lost(batch: number, error: KledError): void {
    const calls = this.#opened.get(batch);
    this.#opened.delete(batch);
    for (const call of calls ?? []) call.fail(error);
  }

  #failAll(error: KledError): void {
    for (const call of [...this.#calls.values()]) call.fail(error);
  }

  /** Calls in flight fail UNAVAILABLE when the connection to NATS is lost: their answers may never come. */
  async #watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.#connected = false;
        this.#failAll(new KledError(Code.Unavailable, "the connection to the NATS server was lost"));
      } else if (status.type === "reconnect") {
        this.#connected = true;
      }
    }
  }
}
