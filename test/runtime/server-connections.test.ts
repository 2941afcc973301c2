import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { KledServer, silentLogger, type KledServerOptions } from "@kled/runtime";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { waitUntil } from "../registry/wait.js";
import { captureLogger } from "./support/capture-logger.js";
import { EchoHandler } from "./support/echo-handler.js";
import { startServerProcess, type ServerProcess } from "./support/server-process.js";

const passThrough = (bytes: Buffer) => bytes;
const ECHO = "/kled.test.v1.EchoService/Echo";
/** Echo calls per latency sample. */
const SAMPLES = 100;
/** Idle TCP connections (never a byte sent) against a server allowed this many descriptors. */
const IDLE_CONNECTIONS = 1_100;
const SERVER_DESCRIPTORS = 1_024;

/** A client on its own connection: grpc-js shares connections between clients unless told not to. */
function newClient(address: string, credentials = grpc.credentials.createInsecure()): grpc.Client {
  return new grpc.Client(address, credentials, { "grpc.use_local_subchannel_pool": 1 });
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

/** Opens `count` TCP connections to `address` that never send a byte; resolves once each connected or closed. */
async function idleConnections(address: string, count: number): Promise<Socket[]> {
  const colon = address.lastIndexOf(":");
  const [host, port] = [address.slice(0, colon), Number(address.slice(colon + 1))];
  const sockets = Array.from({ length: count }, () => connect({ host, port }).on("error", () => undefined));
  await Promise.all(
    sockets.map((s) => new Promise((resolve) => (s.connecting ? s.once("connect", resolve).once("close", resolve) : resolve(undefined)))),
  );
  return sockets;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const closed = (socket: Socket) => new Promise((resolve) => (socket.closed ? resolve(undefined) : socket.once("close", resolve)));
const pem = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));

let server: ServerProcess | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

/** An echo KledServer in this process. */
async function serve(options: KledServerOptions): Promise<string> {
  const kled = new KledServer({ logger: silentLogger, ...options });
  registerEchoServiceHandler(kled, new EchoHandler());
  const address = await kled.listen();
  cleanups.push(() => kled.shutdown(0));
  return address;
}

/** A client whose connection is past its handshake: it has answered a call. */
async function servedClient(address: string, credentials?: grpc.ChannelCredentials): Promise<grpc.Client> {
  const client = newClient(address, credentials);
  cleanups.push(() => client.close());
  await echo(client, "hello");
  return client;
}

describe("connection limits", () => {
  it("closes a connection that has not sent the HTTP/2 preface within handshakeTimeoutMs, not a served one", async () => {
    const address = await serve({ limits: { handshakeTimeoutMs: 300 } });
    const client = await servedClient(address);
    const [silent] = await idleConnections(address, 1);
    const started = performance.now();
    await closed(silent!);
    expect(performance.now() - started).toBeLessThan(5_000);
    // The served connection stays: its channel never left READY.
    expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.READY);
    await echo(client, "still here");
  });

  it("with TLS, closes a connection that has not finished its handshake within handshakeTimeoutMs", async () => {
    const address = await serve({
      limits: { handshakeTimeoutMs: 300 },
      credentials: { cert: pem("server.crt"), key: pem("server.key") },
    });
    const tls = grpc.credentials.createSsl(pem("ca.crt"));
    const port = address.slice(address.lastIndexOf(":") + 1);
    const client = await servedClient(`localhost:${port}`, tls);
    const [silent] = await idleConnections(address, 1);
    await closed(silent!);
    expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.READY);
  });

  it("at maxConnections, a new connection takes the place of the oldest one still in its handshake", async () => {
    const address = await serve({ limits: { maxConnections: 3 } });
    const idle = await idleConnections(address, 3);
    await servedClient(address);
    await closed(idle[0]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(idle.map((socket) => socket.closed)).toEqual([true, false, false]);
    for (const socket of idle) socket.destroy();
  });

  it("at maxConnections with every connection served, refuses new ones and warns", async () => {
    const logger = captureLogger();
    const address = await serve({ logger, limits: { maxConnections: 2 } });
    await servedClient(address);
    await servedClient(address);
    const third = newClient(address);
    cleanups.push(() => third.close());
    const error = (await echo(third, "no room").catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    await waitUntil("cap warning", () => logger.records.some((r) => r.level === "warn" && r.message.startsWith("connection limit reached")), 2_000);
    expect(logger.records.find((r) => r.message.startsWith("connection limit reached"))?.fields).toMatchObject({ maxConnections: 2 });
  });

  it("counts a served connection out when it closes: its slot goes to a new client", async () => {
    const address = await serve({ limits: { maxConnections: 2 } });
    const first = await servedClient(address);
    await servedClient(address);
    first.close();
    // The server sees the close a moment after the client makes it.
    await sleep(200);
    const third = await servedClient(address);
    await expect(echo(third, "room again")).resolves.toBeUndefined();
  });

  it("counts a served connection out once: closing many frees exactly their slots", async () => {
    const address = await serve({ limits: { maxConnections: 3 } });
    for (let round = 0; round < 5; round++) {
      const clients = [await servedClient(address), await servedClient(address), await servedClient(address)];
      for (const client of clients) client.close();
      await sleep(200);
    }
    await servedClient(address);
    await servedClient(address);
    await servedClient(address);
    const fourth = newClient(address);
    cleanups.push(() => fourth.close());
    const error = (await echo(fourth, "no room").catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("rejects a limit that is not a positive whole number", () => {
    expect(() => new KledServer({ limits: { maxConnections: 0 } })).toThrow("KledServer limits.maxConnections is 0; give a positive whole number");
    expect(() => new KledServer({ limits: { handshakeTimeoutMs: 1.5 } })).toThrow("limits.handshakeTimeoutMs is 1.5");
  });
});

describe("a server under idle connections", () => {
  it(`accepts new connections while ${IDLE_CONNECTIONS} idle connections are open on ${SERVER_DESCRIPTORS} descriptors`, async () => {
    server = await startServerProcess({}, { maxDescriptors: SERVER_DESCRIPTORS });
    const before = newClient(server.address);
    cleanups.push(() => before.close());
    await p50(before); // warm up
    const quiet = await p50(before);
    before.close();

    const sockets = await idleConnections(server.address, IDLE_CONNECTIONS);
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    await sleep(500);
    const fresh = newClient(server.address);
    cleanups.push(() => fresh.close());
    await expect(echo(fresh, "still reachable")).resolves.toBeUndefined();
    const loaded = await p50(fresh);
    const open = sockets.filter((s) => !s.destroyed).length;
    console.log(
      `p50 idle ${quiet.toFixed(2)} ms, with ${IDLE_CONNECTIONS} idle connections opened ${loaded.toFixed(2)} ms; ${open} of them still open`,
    );
    expect(loaded).toBeLessThan(5 * quiet);
  }, 30_000);
});
