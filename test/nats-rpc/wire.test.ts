import { afterEach, describe, expect, it } from "vitest";
import { Code, KledServer, silentLogger } from "@kled/runtime";
import { connect } from "../../runtime/src/peers/nats-transport.js";
import { Frame, FrameReader, FrameWriter, RESPONSE_TOKEN } from "../../runtime/src/transport/nats/frames.js";
import { Metadata } from "../../runtime/src/context/metadata.js";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema, EchoResponseSchema } from "../gen/kled/test/v1/echo_pb.js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { requireNats } from "../support/services.js";

const nats = await requireNats();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Sends `payload` to the node as a client with inbox `inbox` would, and resolves with the frames of the first answer. */
async function exchange(subject: string, payload: Uint8Array): Promise<FrameReader> {
  const nc = await connect({ servers: nats.url.replace("nats://", "") });
  cleanups.push(() => nc.close());
  const inbox = `_INBOX.wire${Date.now()}`;
  const answer = new Promise<FrameReader>((resolve) => {
    nc.subscribe(`${inbox}.${RESPONSE_TOKEN}`, { callback: (_error, msg) => resolve(new FrameReader(msg.data)) });
  });
  nc.publish(subject, payload, { reply: `${inbox}.1` });
  return answer;
}

describe.skipIf(nats.skip !== undefined)("the NATS RPC wire format", () => {
  async function node(): Promise<string> {
    const server = new KledServer({ logger: silentLogger, transport: "nats" });
    registerEchoServiceHandler(server, new EchoHandler());
    await server.listen();
    cleanups.push(() => server.shutdown(0));
    return server.nodeMetadata["nats.subject"]!;
  }

  function open(writer: FrameWriter, id: number, path: string, text: string): FrameWriter {
    const message = toBinary(EchoRequestSchema, create(EchoRequestSchema, { text }));
    return writer.byte(Frame.Open).varint(id).string(path).varint(0).string("127.0.0.1:1").metadata(new Metadata()).bytesField(message);
  }

  it("frames for calls that are over are read past: a CANCEL and a CREDIT before an OPEN in one message still get it answered", async () => {
    const writer = new FrameWriter();
    writer.byte(Frame.Cancel).varint(900).varint(Code.Canceled);
    writer.byte(Frame.Credit).varint(901).varint(32);
    open(writer, 7, "/kled.test.v1.EchoService/Echo", "after a stale cancel");
    const reader = await exchange(await node(), writer.bytes());
    expect(reader.byte()).toBe(Frame.Reply);
    expect(reader.varint()).toBe(7);
    const header = reader.metadataInto(new Metadata());
    expect(header.get("x-echo-header")).toBe("from-handler");
    expect(fromBinary(EchoResponseSchema, reader.bytesField()).text).toBe("after a stale cancel");
    expect(reader.metadataInto(new Metadata()).get("x-echo-trailer")).toBe("done");
    expect(reader.done).toBe(true);
  });

  it("an unknown method answers a STATUS frame with UNIMPLEMENTED", async () => {
    const reader = await exchange(await node(), open(new FrameWriter(), 3, "/no.Such/Method", "x").bytes());
    expect(reader.byte()).toBe(Frame.Status);
    expect(reader.varint()).toBe(3);
    expect(reader.varint()).toBe(Code.Unimplemented);
    expect(reader.string()).toContain("/no.Such/Method");
  });
});

describe("the NATS RPC frame reader", () => {
  it("copies a bytes field out of the payload: the copy outlives changes to the payload, and the reader moves past it", () => {
    const payload = new FrameWriter().bytesField(Uint8Array.of(1, 2, 3)).byte(9).bytes();
    const reader = new FrameReader(payload);
    const copy = reader.bytesCopy();
    payload.fill(0);
    expect([...copy]).toEqual([1, 2, 3]);
    expect(reader.byte()).toBe(0);
    expect(reader.done).toBe(true);
    expect(() => new FrameReader(new FrameWriter().varint(5).byte(1).bytes()).bytesCopy()).toThrow("truncated frame");
  });
});
