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
import { FramePacer } from "./frame-pacer.js";
import { Frame, type FrameReader, NODE_PROBE_INTERVAL_MS, RESPONSE_TOKEN, skipServerFrame } from "./frames.js";
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
  readonly #channels = new Map<string, CallChannel>();
  /** Numbers of node subjects, for reply subjects; and back. */
  readonly #nodeNumbers = new Map<string, number>();
  readonly #nodeSubjects: string[] = [];
  readonly #probe: NodeJS.Timeout;
  readonly #deadlines = new Deadlines();
  /** {@link #peer}'s answer, and the server INFO it was made from: it changes only on reconnecting. */
  #peerOf: { info: unknown; peer: string } | undefined;
  readonly #maxPayload: number;
  readonly #pacer = new FramePacer<string>(
    (reader) => this.#frame(reader),
    (subject, error) => this.logger.warn("dropped a malformed NATS RPC message", { subject, error: messageOf(error) }),
    () => this.#outbox.flush(),
  );
  #nextId = 1;
  /**
   * True from a message that answered several calls until the end of that
   * turn: the calls its answers set off (a loop of calls in flight) are
   * batched, rather than the first of them going alone.
   */
  #burst = false;
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
    // A call made while no other is in flight, and not set off by answers to
    // several, goes at once: waiting for the end of the turn would only add
    // latency (the check phase comes after the I/O callbacks of this turn).
    const alone = this.#calls.size === 0 && !this.#burst;
    const call = new ClientCall(this.#nextId++, request, this.#channel(subject));
    this.#calls.set(call.id, call);
    return call.start(this.#peer(), alone);
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
      channel = {
        subject,
        maxPayload: this.#maxPayload,
        deadlines: this.#deadlines,
        batch: () => outbox.to(subject),
        written: (now = false) => outbox.written(subject, now),
        forget(call: ClientCall) {
          calls.delete(call.id);
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
    this.#pacer.push(msg.data, msg.subject);
  }

  #frame(reader: FrameReader): void {
    const type = reader.byte();
    const id = reader.varint();
    const call = this.#calls.get(id);
    if (call === undefined) skipServerFrame(type, reader);
    else call.receive(type, reader);
    // More frames follow in this message: it answers several calls (the
    // answers settle their calls in microtasks, after this is set).
    if (!this.#burst && !reader.done) {
      this.#burst = true;
      setImmediate(this.#endBurst);
    }
  }

  readonly #endBurst = (): void => {
    this.#burst = false;
  };

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
    for (const subject of subjects) {
      this.#outbox.to(subject).writer.byte(Frame.Ping).varint(0);
      this.#outbox.written(subject);
    }
  }

  /**
   * Fails the calls a batch opened that have not heard from a server: it
   * never reached one. Rare (no responders, a refused publish), so the
   * calls are searched rather than indexed by batch on every call.
   */
  #lost(batch: number, error: KledError): void {
    for (const call of [...this.#calls.values()]) if (call.batch === batch && !call.answered) call.fail(error);
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
