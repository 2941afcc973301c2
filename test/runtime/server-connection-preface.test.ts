import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { KledServer, silentLogger, type KledServerOptions } from "@kled/runtime";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { EchoHandler } from "./support/echo-handler.js";

const ECHO = "/kled.test.v1.EchoService/Echo";
const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const passThrough = (bytes: Buffer) => bytes;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: KledServerOptions = {}): Promise<string> {
  const kled = new KledServer({ logger: silentLogger, ...options });
  registerEchoServiceHandler(kled, new EchoHandler());
  const address = await kled.listen();
  cleanups.push(() => kled.shutdown(0));
  return address;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

function echo(client: grpc.Client, text: string): Promise<void> {
  const body = Buffer.from(toBinary(EchoRequestSchema, create(EchoRequestSchema, { text })));
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(ECHO, passThrough, passThrough, body, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error) =>
      error === null ? resolve() : reject(error),
    ),
  );
}

function newClient(address: string): grpc.Client {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  cleanups.push(() => client.close());
  return client;
}

/**
 * A TCP proxy to `target` that forwards the first `splitBytes` bytes each
 * client sends one by one, `gapMs` apart (each its own TCP segment: Nagle
 * is off), and the rest as it comes.
 */
async function splittingProxy(target: number, splitBytes: number, gapMs: number): Promise<string> {
  const proxy: Server = createServer((downstream) => {
    const upstream = connect({ host: "127.0.0.1", port: target });
    upstream.setNoDelay(true);
    upstream.on("error", () => downstream.destroy());
    downstream.on("error", () => upstream.destroy());
    upstream.on("close", () => downstream.destroy());
    downstream.on("close", () => upstream.destroy());
    upstream.pipe(downstream);
    let sent = 0;
    let queue = Promise.resolve();
    downstream.on("data", (chunk: Buffer) => {
      queue = queue.then(async () => {
        for (let i = 0; i < chunk.length; i++) {
          if (sent >= splitBytes) {
            upstream.write(chunk.subarray(i));
            return;
          }
          upstream.write(chunk.subarray(i, i + 1));
          sent++;
          await sleep(gapMs);
        }
      });
    });
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const { port } = proxy.address() as { port: number };
  return `127.0.0.1:${port}`;
}

/** Resolves with how long `socket` took to close, in ms. */
async function closing(socket: Socket): Promise<number> {
  const started = performance.now();
  if (!socket.closed) await once(socket, "close");
  return performance.now() - started;
}

describe("the HTTP/2 preface", () => {
  it("reaches grpc-js whole when it arrives one byte per packet", async () => {
    const address = await serve({ limits: { handshakeTimeoutMs: 5_000 } });
    // The preface and the SETTINGS frame after it, byte by byte.
    const proxied = await splittingProxy(portOf(address), PREFACE.length + 20, 5);
    const client = newClient(proxied);
    await expect(echo(client, "split")).resolves.toBeUndefined();
    await expect(echo(client, "and again")).resolves.toBeUndefined();
  });

  it("refuses a client that does not speak HTTP/2 at once, not at the handshake timeout", async () => {
    const address = await serve({ limits: { handshakeTimeoutMs: 20_000 } });
    const socket = connect({ host: "127.0.0.1", port: portOf(address) }).on("error", () => undefined);
    cleanups.push(() => void socket.destroy());
    await once(socket, "connect");
    socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    expect(await closing(socket)).toBeLessThan(5_000);
  });

  it("closes a connection that stops in the middle of the preface at the handshake timeout", async () => {
    const address = await serve({ limits: { handshakeTimeoutMs: 300 } });
    const socket = connect({ host: "127.0.0.1", port: portOf(address) }).on("error", () => undefined);
    cleanups.push(() => void socket.destroy());
    await once(socket, "connect");
    socket.write(PREFACE.slice(0, 10));
    const took = await closing(socket);
    expect(took).toBeGreaterThan(200);
    expect(took).toBeLessThan(5_000);
  });

  it("gives the slot of a refused client back", async () => {
    const address = await serve({ limits: { maxConnections: 1, handshakeTimeoutMs: 20_000 } });
    const socket = connect({ host: "127.0.0.1", port: portOf(address) }).on("error", () => undefined);
    cleanups.push(() => void socket.destroy());
    await once(socket, "connect");
    socket.write("not HTTP/2 at all, and long enough to tell\r\n");
    await closing(socket);
    await sleep(50);
    await expect(echo(newClient(address), "room again")).resolves.toBeUndefined();
  });
});
