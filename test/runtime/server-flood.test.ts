import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
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
const FLOOD_FIXTURE = fileURLToPath(new URL("./fixtures/unread-flood.ts", import.meta.url));

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: ServerProcess | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
});

/**
 * The unread streams' clients advertise this HTTP/2 stream window, in bytes.
 * Flow control lets a client have that much sent before it reads, so the
 * server owes each stream window / message size messages (Count's are 7
 * bytes on the wire: 146 here) before its handler pauses. With HTTP/2's
 * default 65,535 that is 18.7 million messages for 2,000 streams, minutes of
 * this machine's cores before the server may settle. The window sets only
 * how long the fill takes; what is measured is that paused streams then
 * cost nothing and leave other callers served as fast as before.
 */
const FLOOD_WINDOW_BYTES = 1_024;
/** Server CPU, as a share of one core over a second, under which the server counts as settled. */
const SETTLED_CPU_SHARE = 0.2;
/** How long the handlers may take to fill the windows before the server must have settled. */
const SETTLE_TIMEOUT_MS = 20_000;

/** Starts the flood child; resolves once its streams are answered, with how many are open. */
async function unreadFlood(address: string): Promise<{ open: number; stop: () => void }> {
  const body = Buffer.from(toBinary(CountRequestSchema, create(CountRequestSchema, { n: 0 }))).toString("hex");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", FLOOD_FIXTURE, address, COUNT, body, String(STREAMS), String(FLOOD_CONNECTIONS), String(FLOOD_WINDOW_BYTES)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const stop = () => void child.kill("SIGKILL");
  const line = await Promise.race([
    once(createInterface({ input: child.stdout! }), "line") as Promise<[string]>,
    once(child, "exit").then(() => [""] as [string]),
  ]);
  const open = Number(/^open (\d+)$/.exec(line[0])?.[1] ?? Number.NaN);
  if (Number.isNaN(open)) {
    stop();
    throw new Error(`flood child answered "${line[0]}", expected "open N"`);
  }
  return { open, stop };
}

/** CPU microseconds the server used over the next `ms` milliseconds. */
async function cpuOver(ms: number): Promise<number> {
  const before = await server!.ask("cpu");
  await sleep(ms);
  return (await server!.ask("cpu")) - before;
}

// A stream whose client does not read pauses its handler once the client's
// flow-control window is full and the server holds at most
// limits.maxBufferedResponseBytes for it (stream-backpressure.test.ts). A
// grpc-js client cannot make such a flood: it reads every HTTP/2 stream into
// memory until the application first reads (see fixtures/unread-flood.ts).
// Idle connections are measured in server-connections.test.ts.
describe("a server under a flood", () => {
  it(`keeps a normal client's p50 within 5× of idle and settles while ${STREAMS} server streams go unread`, async () => {
    server = await startServerProcess();
    const normal = newClient(server.address);
    cleanups.push(() => normal.close());
    await p50(normal); // warm up
    const idle = await p50(normal);

    const started = performance.now();
    const flood = await unreadFlood(server.address);
    cleanups.push(flood.stop);
    expect(flood.open).toBe(STREAMS);
    let lastSecond = await cpuOver(1_000);
    while (lastSecond > SETTLED_CPU_SHARE * 1_000_000 && performance.now() - started < SETTLE_TIMEOUT_MS) {
      lastSecond = await cpuOver(1_000);
    }
    const settledAfter = performance.now() - started;
    const loaded = await p50(normal);
    const later = await cpuOver(2_000);
    console.log(
      `p50 idle ${idle.toFixed(2)} ms, under ${STREAMS} unread streams ${loaded.toFixed(2)} ms; ` +
        `server settled ${(settledAfter / 1_000).toFixed(1)} s after the flood began, then used ` +
        `${(later / 2_000 / 10).toFixed(1)}% of a core over 2 s`,
    );
    expect(loaded).toBeLessThan(5 * idle);
    expect(later).toBeLessThan(SETTLED_CPU_SHARE * 2_000_000);
  }, 45_000);
});
