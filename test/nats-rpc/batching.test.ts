import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary, type Message } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KledServer, silentLogger } from "@kled/runtime";
import { createCodecs } from "../../runtime/src/codec/codecs.js";
import { Metadata } from "../../runtime/src/context/metadata.js";
import { connect, type NatsConnection } from "../../runtime/src/peers/nats-transport.js";
import type { ClientRequest, ClientResponse } from "../../runtime/src/transport/call.js";
import { ClientInbox } from "../../runtime/src/transport/nats/client-inbox.js";
import { FramePacer, FRAMES_PER_TURN } from "../../runtime/src/transport/nats/frame-pacer.js";
import { Frame, FrameReader, FrameWriter, RESPONSE_TOKEN } from "../../runtime/src/transport/nats/frames.js";
import { NatsClientTransport } from "../../runtime/src/transport/nats/nats-client-transport.js";
import { Outbox } from "../../runtime/src/transport/nats/outbox.js";
import type { ServerCall } from "../../runtime/src/transport/nats/server-call.js";
import { EchoServiceDefinition, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema, EchoResponseSchema, SumRequestSchema, SumResponseSchema } from "../gen/kled/test/v1/echo_pb.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { requireNats } from "../support/services.js";

const nats = await requireNats();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A NATS connection that records what it is asked to publish. */
function recordingConnection(maxPayload = 1_048_576) {
  const published: Array<{ subject: string; bytes: Uint8Array; reply: string | undefined }> = [];
  const nc = {
    info: { max_payload: maxPayload },
    isClosed: () => false,
    publish(subject: string, bytes: Uint8Array, options?: { reply?: string }) {
      published.push({ subject, bytes: Uint8Array.from(bytes), reply: options?.reply });
    },
  } as unknown as NatsConnection;
  return { nc, published };
}

/** The frame types and call ids of one message. */
function framesOf(bytes: Uint8Array): Array<[type: number, id: number]> {
  const reader = new FrameReader(bytes);
  const frames: Array<[number, number]> = [];
  while (!reader.done) {
    const type = reader.byte();
    const id = reader.varint();
    frames.push([type, id]);
    // These tests write frames of type Credit only: their one field.
    reader.varint();
  }
  return frames;
}

describe("the NATS transport's outbox", () => {
  it("coalesces the frames written to a subject in one turn into one message at the end of the turn, in order", async () => {
    const { nc, published } = recordingConnection();
    const outbox = new Outbox(nc, (id) => `reply.${id}`, () => expect.unreachable());
    for (const id of [1, 2, 3]) {
      outbox.to("node.a").writer.byte(Frame.Credit).varint(id).varint(1);
      outbox.written("node.a");
    }
    outbox.to("node.b").writer.byte(Frame.Credit).varint(9).varint(1);
    outbox.written("node.b");
    expect(published).toEqual([]);
    await endOfTurn();
    expect(published.map((m) => [m.subject, m.reply, framesOf(m.bytes)])).toEqual([
      ["node.a", "reply.1", [[Frame.Credit, 1], [Frame.Credit, 2], [Frame.Credit, 3]]],
      ["node.b", "reply.2", [[Frame.Credit, 9]]],
    ]);
  });

  it("publishes a batch at once when asked, with the frames written before; other subjects still go at the end of the turn", async () => {
    const { nc, published } = recordingConnection();
    const outbox = new Outbox(nc, () => undefined, () => expect.unreachable());
    outbox.to("node.b").writer.byte(Frame.Credit).varint(9).varint(1);
    outbox.written("node.b");
    outbox.to("node.a").writer.byte(Frame.Credit).varint(1).varint(1);
    outbox.written("node.a");
    outbox.to("node.a").writer.byte(Frame.Credit).varint(2).varint(1);
    outbox.written("node.a", true);
    expect(published.map((m) => [m.subject, framesOf(m.bytes)])).toEqual([["node.a", [[Frame.Credit, 1], [Frame.Credit, 2]]]]);
    await endOfTurn();
    expect(published.map((m) => m.subject)).toEqual(["node.a", "node.b"]);
  });

  it(`publishes a batch at once once it holds ${FRAMES_PER_TURN} frames; the next frames start another`, async () => {
    const { nc, published } = recordingConnection();
    const outbox = new Outbox(nc, (id) => `reply.${id}`, () => expect.unreachable());
    for (let id = 1; id <= FRAMES_PER_TURN + 3; id++) {
      outbox.to("node.a").writer.byte(Frame.Credit).varint(id).varint(1);
      outbox.written("node.a");
      expect(published).toHaveLength(id < FRAMES_PER_TURN ? 0 : 1);
    }
    await endOfTurn();
    expect(published.map((m) => [m.reply, framesOf(m.bytes).length])).toEqual([
      ["reply.1", FRAMES_PER_TURN],
      ["reply.2", 3],
    ]);
  });

  it("publishes a batch at once once it holds half of max_payload", () => {
    const { nc, published } = recordingConnection(1_000);
    const outbox = new Outbox(nc, () => undefined, () => expect.unreachable());
    outbox.to("node.a").writer.byte(Frame.Msg).varint(1).varint(1).bytesField(new Uint8Array(400));
    outbox.written("node.a");
    expect(published).toHaveLength(0);
    outbox.to("node.a").writer.byte(Frame.Msg).varint(1).varint(2).bytesField(new Uint8Array(400));
    outbox.written("node.a");
    expect(published).toHaveLength(1);
  });
});

describe("the NATS transport's frame pacer", () => {
  /** Credit frames `from`…`to` (call ids) in one message. */
  function message(from: number, to: number): Uint8Array {
    const writer = new FrameWriter();
    for (let id = from; id <= to; id++) writer.byte(Frame.Credit).varint(id).varint(1);
    return Uint8Array.from(writer.bytes());
  }

  function pacer() {
    const read: number[] = [];
    const events: string[] = [];
    const malformed: string[] = [];
    const frames = new FramePacer<string>(
      (reader) => {
        const type = reader.byte();
        const id = reader.varint();
        if (type !== Frame.Credit) throw new Error(`frame type ${type}`);
        reader.varint();
        read.push(id);
      },
      (source, error) => malformed.push(`${source}: ${(error as Error).message}`),
      () => events.push(`publish after ${read.length}`),
    );
    return { frames, read, events, malformed };
  }

  it(`reads ${FRAMES_PER_TURN} frames per turn, in order across messages, and publishes before reading the rest`, async () => {
    const { frames, read, events } = pacer();
    frames.push(message(1, FRAMES_PER_TURN + 5), "a");
    frames.push(message(FRAMES_PER_TURN + 6, FRAMES_PER_TURN + 8), "b");
    expect(read).toEqual(Array.from({ length: FRAMES_PER_TURN }, (_, i) => i + 1));
    await endOfTurn();
    expect(read).toEqual(Array.from({ length: FRAMES_PER_TURN + 8 }, (_, i) => i + 1));
    expect(events).toEqual([`publish after ${FRAMES_PER_TURN}`]);
    // A quiet turn: nothing waits, nothing to publish.
    await endOfTurn();
    frames.push(message(100, 101), "c");
    expect(read.slice(-2)).toEqual([100, 101]);
    expect(events).toHaveLength(1);
  });

  it("messages delivered together share the budget; once they are read, the next delivery has all of it", async () => {
    const { frames, read } = pacer();
    frames.push(message(1, 20), "a");
    frames.push(message(21, 40), "b");
    expect(read).toHaveLength(FRAMES_PER_TURN);
    await endOfTurn();
    expect(read).toHaveLength(40);
    // A microtask later (another read of the socket in the same turn), nothing waits: a whole budget.
    await Promise.resolve();
    frames.push(message(41, 40 + FRAMES_PER_TURN), "c");
    expect(read).toHaveLength(40 + FRAMES_PER_TURN);
  });

  it("drops the rest of a message with a malformed frame and reads the next one", async () => {
    const { frames, read, malformed } = pacer();
    const bad = new FrameWriter().byte(Frame.Credit).varint(1).varint(1).byte(Frame.Ping).varint(2).byte(Frame.Credit).varint(3).varint(1);
    frames.push(Uint8Array.from(bad.bytes()), "bad");
    frames.push(message(4, 4), "good");
    await endOfTurn();
    expect(read).toEqual([1, 4]);
    expect(malformed).toEqual([`bad: frame type ${Frame.Ping}`]);
  });
});

describe("the NATS server's answers to one client", () => {
  it("go at once with the last frame of the client's last call in flight, and at the end of the turn while another call is in flight", async () => {
    const { nc, published } = recordingConnection();
    const client = new ClientInbox("_INBOX.c1", new Outbox(nc, () => undefined, () => expect.unreachable()), 1_048_576);
    expect(client.subject).toBe(`_INBOX.c1.${RESPONSE_TOKEN}`);
    const call = {} as ServerCall;
    client.calls.set(1, call).set(2, call);
    client.writer().byte(Frame.Credit).varint(1).varint(1);
    client.written(true);
    client.calls.delete(1);
    expect(published).toHaveLength(0);
    client.writer().byte(Frame.Credit).varint(2).varint(1);
    client.written(false);
    expect(published).toHaveLength(0);
    client.writer().byte(Frame.Credit).varint(2).varint(2);
    client.written(true);
    expect(published.map((m) => framesOf(m.bytes))).toEqual([[[Frame.Credit, 1], [Frame.Credit, 2], [Frame.Credit, 2]]]);
  });
});

/** A frame as a raw node reads it from a Kled client. */
interface ReadFrame {
  readonly type: number;
  readonly id: number;
  /** OPEN: the method path; MSG: the sequence number. */
  readonly detail?: string | number;
  readonly bytes?: Uint8Array;
}

/**
 * A node made of a raw NATS subscription: records the frames of every
 * message a client sends it, and answers when `answer` says so (given the
 * messages so far), all answers in one message.
 */
async function rawNode(answer: (messages: ReadFrame[][], writer: FrameWriter) => boolean) {
  const nc = await connect({ servers: nats.url.replace("nats://", "") });
  cleanups.push(() => nc.close());
  const subject = `kled.rpc.test${randomUUID().replaceAll("-", "")}`;
  const messages: ReadFrame[][] = [];
  nc.subscribe(subject, {
    callback: (_error, msg) => {
      const reader = new FrameReader(msg.data);
      const frames: ReadFrame[] = [];
      while (!reader.done) {
        const type = reader.byte();
        const id = reader.varint();
        switch (type) {
          case Frame.Open: {
            const path = reader.string();
            reader.varint();
            reader.string();
            reader.metadataInto(new Metadata());
            const unary = path.endsWith("/Echo");
            frames.push({ type, id, detail: path, ...(unary ? { bytes: new Uint8Array(reader.bytesField()) } : {}) });
            break;
          }
          case Frame.Msg:
            frames.push({ type, id, detail: reader.varint(), bytes: new Uint8Array(reader.bytesField()) });
            break;
          case Frame.End:
            frames.push({ type, id });
            break;
          default:
            throw new Error(`unexpected frame ${type}`);
        }
      }
      messages.push(frames);
      const writer = new FrameWriter();
      if (answer(messages, writer)) nc.publish(`${msg.reply!.slice(0, msg.reply!.lastIndexOf("."))}.${RESPONSE_TOKEN}`, writer.bytes());
    },
  });
  await nc.flush();
  return { node: { id: "raw", address: "127.0.0.1:1", metadata: { "nats.subject": subject } }, messages };
}

/** Writes a REPLY frame answering call `id` with `message`. */
function reply(writer: FrameWriter, id: number, message: Uint8Array): void {
  writer.byte(Frame.Reply).varint(id).varint(0).bytesField(message).varint(0);
}

/** Echo's answer to each OPEN of Echo among `frames`. */
function echoAll(frames: readonly ReadFrame[], writer: FrameWriter): void {
  for (const frame of frames) {
    if (frame.type !== Frame.Open || frame.bytes === undefined) continue;
    const text = fromBinary(EchoRequestSchema, frame.bytes).text;
    reply(writer, frame.id, toBinary(EchoResponseSchema, create(EchoResponseSchema, { text })));
  }
}

const codec = createCodecs().require("proto");

function request(method: "echo" | "sum", body: { message: Message } | { messages: AsyncIterable<Message> }): ClientRequest {
  const base = {
    method: EchoServiceDefinition.methods[method]!,
    service: EchoServiceDefinition,
    serviceName: EchoServiceDefinition.typeName,
    address: undefined,
    exclude: new Set<string>(),
    metadata: new Metadata(),
    deadline: new Date(Date.now() + 10_000),
    signal: new AbortController().signal,
    codec,
    onHeader: undefined,
    onTrailer: undefined,
  };
  return "message" in body ? { ...base, stream: false, message: body.message } : { ...base, stream: true, messages: body.messages };
}

const echo = (text: string) => request("echo", { message: create(EchoRequestSchema, { text }) });

async function textOf(response: Promise<ClientResponse> | undefined): Promise<string> {
  const answered = await response!;
  if (answered.stream) throw new Error("a unary call answered a stream");
  return (answered.message as unknown as { text: string }).text;
}

/** A client transport, and the subjects it publishes to, as they are published. */
async function clientTransport() {
  const transport = await NatsClientTransport.connect(nats.url, silentLogger);
  cleanups.push(() => transport.close());
  const nc = (transport as unknown as { nc: NatsConnection }).nc;
  const publish = vi.spyOn(nc, "publish");
  return { transport, publish };
}

describe.skipIf(nats.skip !== undefined)("the NATS client's batching", () => {
  it("sends a call made while no other is in flight at once; calls made while one is in flight share a message at the end of the turn", async () => {
    const { node, messages } = await rawNode((received, writer) => {
      echoAll(received.at(-1)!, writer);
      return true;
    });
    const { transport, publish } = await clientTransport();
    const first = transport.call(node, echo("first"));
    expect(publish).toHaveBeenCalledTimes(1);
    const second = transport.call(node, echo("second"));
    const third = transport.call(node, echo("third"));
    expect(publish).toHaveBeenCalledTimes(1);
    await endOfTurn();
    expect(publish).toHaveBeenCalledTimes(2);
    expect(await Promise.all([textOf(first), textOf(second), textOf(third)])).toEqual(["first", "second", "third"]);
    expect(messages.map((frames) => frames.map((f) => f.type))).toEqual([[Frame.Open], [Frame.Open, Frame.Open]]);
  });

  it("batches the calls set off by one message that answers several, the first of them included", async () => {
    const inFlight = 4;
    // Answers once every call of the round has arrived, all in one message.
    const { node, messages } = await rawNode((received, writer) => {
      const waiting = received.flatMap((frames) => frames).filter((f) => f.type === Frame.Open).length;
      if (waiting % inFlight !== 0) return false;
      echoAll(received.flatMap((frames) => frames).slice(-inFlight), writer);
      return true;
    });
    const { transport } = await clientTransport();
    await Promise.all(
      Array.from({ length: inFlight }, async (_, loop) => {
        for (let round = 0; round < 3; round++) expect(await textOf(transport.call(node, echo(`${loop}.${round}`)))).toBe(`${loop}.${round}`);
      }),
    );
    // Round 1: the first call went alone, the others at the end of its turn.
    // Rounds 2 and 3: each set off by one message of four answers, in one message.
    expect(messages.map((frames) => frames.length)).toEqual([1, inFlight - 1, inFlight, inFlight]);
  });

  it("a lone client-streaming call's OPEN goes at once; its messages follow in order, then its END", async () => {
    const { node, messages } = await rawNode((received, writer) => {
      const frames = received.flat();
      if (frames.at(-1)?.type !== Frame.End) return false;
      const total = frames.filter((f) => f.type === Frame.Msg).reduce((sum, f) => sum + fromBinary(SumRequestSchema, f.bytes!).value, 0n);
      reply(writer, frames[0]!.id, toBinary(SumResponseSchema, create(SumResponseSchema, { total, count: 5 })));
      return true;
    });
    const { transport, publish } = await clientTransport();
    async function* addends() {
      for (let value = 1n; value <= 5n; value++) {
        yield create(SumRequestSchema, { value });
        if (value === 2n) await endOfTurn();
      }
    }
    const response = transport.call(node, request("sum", { messages: addends() }));
    expect(publish).toHaveBeenCalledTimes(1);
    const answered = await response!;
    expect(answered.stream).toBe(false);
    expect(answered.stream === false && (answered.message as unknown as { total: bigint }).total).toBe(15n);
    expect(messages[0]!.map((f) => f.type)).toEqual([Frame.Open]);
    expect(messages.flat().map((f) => (f.type === Frame.Msg ? `msg ${String(f.detail)}` : f.type))).toEqual([
      Frame.Open,
      "msg 1",
      "msg 2",
      "msg 3",
      "msg 4",
      "msg 5",
      Frame.End,
    ]);
  });
});

describe.skipIf(nats.skip !== undefined)("the NATS server's batching", () => {
  /**
   * Sends `calls` Echo calls to a Kled server over NATS in one message, as a
   * client would, and resolves with the call ids of each answering message.
   */
  async function answersTo(calls: number): Promise<number[][]> {
    const server = new KledServer({ logger: silentLogger, transport: "nats" });
    registerEchoServiceHandler(server, new EchoHandler());
    await server.listen();
    cleanups.push(() => server.shutdown(0));
    const nc = await connect({ servers: nats.url.replace("nats://", "") });
    cleanups.push(() => nc.close());
    const inbox = `_INBOX.batching${randomUUID().replaceAll("-", "")}`;
    const answers: number[][] = [];
    nc.subscribe(`${inbox}.${RESPONSE_TOKEN}`, {
      callback: (_error, msg) => {
        const reader = new FrameReader(msg.data);
        const ids: number[] = [];
        while (!reader.done) {
          expect(reader.byte()).toBe(Frame.Reply);
          ids.push(reader.varint());
          reader.metadataInto(new Metadata());
          reader.bytesField();
          reader.metadataInto(new Metadata());
        }
        answers.push(ids);
      },
    });
    const writer = new FrameWriter();
    for (let id = 1; id <= calls; id++) {
      const message = toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: `call ${id}` }));
      writer.byte(Frame.Open).varint(id).string("/kled.test.v1.EchoService/Echo").varint(0).string("127.0.0.1:1").varint(0).bytesField(message);
    }
    nc.publish(server.nodeMetadata["nats.subject"]!, writer.bytes(), { reply: `${inbox}.1` });
    await vi.waitFor(() => expect(answers.flat()).toHaveLength(calls));
    return answers;
  }

  it("answers the calls of one message in one message", async () => {
    expect(await answersTo(3)).toEqual([[1, 2, 3]]);
  });

  it(`answers a message of more than ${FRAMES_PER_TURN} calls in slices of ${FRAMES_PER_TURN}, in order`, async () => {
    const calls = FRAMES_PER_TURN + 8;
    const ids = Array.from({ length: calls }, (_, i) => i + 1);
    expect(await answersTo(calls)).toEqual([ids.slice(0, FRAMES_PER_TURN), ids.slice(FRAMES_PER_TURN)]);
  });
});
