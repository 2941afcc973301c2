import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { CountRequestSchema, EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { startServerProcess, type ServerProcess } from "./support/server-process.js";

const passThrough = (bytes: Buffer) => bytes;
const ECHO = "/kled.test.v1.EchoService/Echo";
const COUNT = "/kled.test.v1.EchoService/Count";
/** Echo calls per latency sample. */
const SAMPLES = 100;
/** Unread server streams the flood opens, over this many connections. */
const STREAMS = 2_000;
const FLOOD_CONNECTIONS = 20;

/** A client on its own connection: grpc-js shares connections between clients unless told not to. */
function newClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
}

function echo(client: grpc.Client, text: string): Promise<void> {
  const body = Buffer.from(toBinary(EchoRequestSchema, create(EchoRequestSchema, { text })));
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(ECHO, passThrough, passThrough, body, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error) =>
      error === null ? resolve() : reject(error),
    ),
  );
}

/** The median latency of SAMPLES sequential Echo calls, in milliseconds. */
async function p50(client: grpc.Client): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await echo(client, "ping");
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Opens `count` endless Count streams on `client` and never reads them. */
function unreadStreams(client: grpc.Client, count: number): grpc.ClientReadableStream<Buffer>[] {
  const body = Buffer.from(toBinary(CountRequestSchema, create(CountRequestSchema, { n: 0 })));
  return Array.from({ length: count }, () => {
    const call = client.makeServerStreamRequest(COUNT, passThrough, passThrough, body, new grpc.Metadata(), {});
    call.on("error", () => undefined); // cancelled at the end, or refused by a limit
    call.pause();
    return call;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: ServerProcess | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
});

// The measurement still fails (see the report of Kled issue 13, part 2): a
// server stream's handler is not paused by HTTP/2 flow control (grpc-js
// completes each write once nghttp2 has queued it, so write() never returns
// false). Skipped until that lands; run it with `it` to measure. (Idle
// connections are measured in server-connections.test.ts.)
describe.skip("a server under a flood", () => {
  it(`keeps a normal client's p50 within 5× of idle while ${STREAMS} server streams go unread`, async () => {
    server = await startServerProcess();
    const normal = newClient(server.address);
    cleanups.push(() => normal.close());
    await p50(normal); // warm up
    const idle = await p50(normal);
    const cpuBefore = await server.ask("cpu");

    const flooders = Array.from({ length: FLOOD_CONNECTIONS }, () => newClient(server!.address));
    const calls = flooders.flatMap((client) => unreadStreams(client, STREAMS / FLOOD_CONNECTIONS));
    cleanups.push(() => {
      for (const call of calls) call.cancel();
      for (const client of flooders) client.close();
    });
    await sleep(2_000); // the streams open and their handlers fill what they may
    const cpuFlood = await server.ask("cpu");
    const loaded = await p50(normal);
    await sleep(1_000);
    const cpuQuiet = await server.ask("cpu");
    console.log(
      `p50 idle ${idle.toFixed(2)} ms, under ${STREAMS} unread streams ${loaded.toFixed(2)} ms; ` +
        `server CPU ${((cpuFlood - cpuBefore) / 2_000 / 10).toFixed(0)}% while they opened, ` +
        `${((cpuQuiet - cpuFlood) / 1_000 / 10).toFixed(0)}% the second after`,
    );
    expect(loaded).toBeLessThan(5 * idle);
  }, 60_000);
});
