import { connect, type Socket } from "node:net";
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
/** Idle TCP connections (never a byte sent) against a server allowed this many descriptors. */
const IDLE_CONNECTIONS = 1_100;
const SERVER_DESCRIPTORS = 1_024;

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

// Both measurements still fail (see the report of Kled issue 13, part 2): a
// server stream's handler is not paused by HTTP/2 flow control (grpc-js
// completes each write once nghttp2 has queued it, so write() never returns
// false), and there is no connection cap or handshake timeout yet. Skipped
// until those land; run them with `it` to measure.
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

  it(`accepts new connections while ${IDLE_CONNECTIONS} idle connections are open on ${SERVER_DESCRIPTORS} descriptors`, async () => {
    server = await startServerProcess({}, { maxDescriptors: SERVER_DESCRIPTORS });
    const [host, port] = [server.address.slice(0, server.address.lastIndexOf(":")), Number(server.address.slice(server.address.lastIndexOf(":") + 1))];
    const sockets: Socket[] = [];
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let i = 0; i < IDLE_CONNECTIONS; i++) {
      const socket = connect({ host, port });
      socket.on("error", () => undefined); // the server may close it
      sockets.push(socket);
    }
    await Promise.all(sockets.map((s) => new Promise((resolve) => (s.connecting ? s.once("connect", resolve).once("close", resolve) : resolve(undefined)))));
    await sleep(500);
    const fresh = newClient(server.address);
    cleanups.push(() => fresh.close());
    await expect(echo(fresh, "still reachable")).resolves.toBeUndefined();
    const idle = await p50(fresh);
    console.log(`p50 with ${IDLE_CONNECTIONS} idle connections open: ${idle.toFixed(2)} ms; ${sockets.filter((s) => !s.destroyed).length} of them still open`);
  });
});
