/**
 * A reflection client that sends requests and does not read the responses
 * must not make the server hold them all: the server stops reading requests
 * while responses wait, and resumes when the client reads. Counted, not
 * timed: however long the test waits, a paused server answers no more.
 */
import * as http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addReflection } from "../../runtime/src/server/reflection.js";
import { DescriptorIndex } from "../../runtime/src/server/reflection/descriptor-index.js";
import { ServerReflectionRequestSchema } from "../../runtime/src/gen/grpc/reflection/v1/reflection_pb.js";
import { AgentService } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";

const passThrough = (bytes: Buffer) => bytes;

/** Requests sent without reading: each answer carries agent.proto (several KB), tens of MB in all. */
const REQUESTS = 4_000;
/** Far above what the stream buffers and the HTTP/2 windows hold (16 answered here), far below REQUESTS. */
const MOST_ANSWERED_UNREAD = 500;

/** The number of gRPC length-prefixed messages in `bytes`. */
function countFrames(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at + 5 <= bytes.length; at += 5 + bytes.readUInt32BE(at + 1)) count++;
  return count;
}

/** Resolves once `read()` has not changed for `quietMs`. */
async function settled(read: () => number, quietMs = 500): Promise<number> {
  let last = -1;
  while (read() !== last) {
    last = read();
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  return last;
}

describe("server reflection with a client that does not read", () => {
  let server: grpc.Server;
  let address: string;
  beforeAll(async () => {
    server = new grpc.Server();
    addReflection(server, [AgentService]);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server?.forceShutdown());

  it("stops answering while responses wait, and answers them all once read", { timeout: 60_000 }, async () => {
    const serialize = vi.spyOn(DescriptorIndex.prototype, "serialize");
    // A raw HTTP/2 client: grpc-js's own client reads every response into its memory whether or not
    // its caller reads, so it never lets the server see a client that does not read.
    const session = http2.connect(`http://${address}`);
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.pause();
    const request = toBinary(
      ServerReflectionRequestSchema,
      create(ServerReflectionRequestSchema, { messageRequest: { case: "fileByFilename", value: "kled/agent/v1/agent.proto" } }),
    );
    const frame = Buffer.alloc(5 + request.byteLength);
    frame.writeUInt32BE(request.byteLength, 1);
    frame.set(request, 5);
    for (let i = 0; i < REQUESTS; i++) stream.write(frame);
    stream.end();

    const answeredUnread = await settled(() => serialize.mock.calls.length);
    expect(answeredUnread).toBeGreaterThan(0);
    expect(answeredUnread).toBeLessThan(MOST_ANSWERED_UNREAD);

    // Reading now: every request gets its response, and the call ends OK.
    const status = new Promise<string | undefined>((resolve) => stream.on("trailers", (trailers) => resolve(trailers["grpc-status"] as string)));
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.resume();
    expect(await status).toBe("0");
    await new Promise((resolve) => stream.once("close", resolve));
    expect(countFrames(Buffer.concat(chunks))).toBe(REQUESTS);
    session.close();
    serialize.mockRestore();
  });
});
