import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_RECEIVE_MESSAGE_BYTES } from "@kled/runtime";
import { CountRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { rawUnary } from "./support/raw-client.js";
import { eventually, startEcho, type Harness } from "./support/harness.js";

const passThrough = (bytes: Buffer) => bytes;
let h: Harness | undefined;
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await h?.close();
});

/** Opens `count` slow Count calls on one connection. */
function slowStreams(address: string, count: number): void {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  clients.push(client);
  const body = Buffer.from(toBinary(CountRequestSchema, create(CountRequestSchema, { n: 1, delayMs: 30_000 })));
  for (let i = 0; i < count; i++) {
    const call = client.makeServerStreamRequest("/kled.test.v1.EchoService/Count", passThrough, passThrough, body, new grpc.Metadata(), {});
    call.on("error", () => undefined);
  }
}

describe("server limits by default", () => {
  it(`serves at most ${DEFAULT_MAX_CONCURRENT_STREAMS} calls of one connection at once`, async () => {
    h = await startEcho();
    slowStreams(h.address, DEFAULT_MAX_CONCURRENT_STREAMS + 50);
    await eventually(() => h!.server.inFlight === DEFAULT_MAX_CONCURRENT_STREAMS, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.server.inFlight).toBe(DEFAULT_MAX_CONCURRENT_STREAMS);
  });

  it("limits.maxConcurrentStreams overrides the default", async () => {
    h = await startEcho({ server: { limits: { maxConcurrentStreams: 10 } } });
    slowStreams(h.address, 20);
    await eventually(() => h!.server.inFlight === 10, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.server.inFlight).toBe(10);
  });

  it("refuses a request larger than the receive limit with RESOURCE_EXHAUSTED", async () => {
    h = await startEcho();
    const { error } = await rawUnary(h.address, "/kled.test.v1.EchoService/Echo", new Uint8Array(DEFAULT_MAX_RECEIVE_MESSAGE_BYTES + 1));
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it("rejects a limit that is not a positive whole number, naming it", async () => {
    await expect(startEcho({ server: { limits: { maxConcurrentStreams: 0 } } })).rejects.toThrow(/limits\.maxConcurrentStreams is 0/);
  });
});
