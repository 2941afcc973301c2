/**
 * Every way a call can end early reaches the handler's signal (and, when it
 * happens before the handler starts, keeps the handler from starting), and
 * the call's log line says how it ended, with the client's real address.
 */
import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, KledClient, KledError, KledServer, REQUEST_ID_KEY, serverLogging, silentLogger, type ServerMiddleware } from "@kled/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { captureLogger } from "./support/capture-logger.js";
import { EchoHandler } from "./support/echo-handler.js";
import { eventually } from "./support/harness.js";

const ECHO_PATH = "/kled.test.v1.EchoService/Echo";
/** How long the handlers below would run, in ms: far longer than any deadline here. */
const HANDLER_MS = 1_000;

function codeOf(error: unknown): number | undefined {
  return error instanceof KledError ? error.code : undefined;
}

/** A gRPC message frame: uncompressed flag, big-endian length, bytes. */
function frame(bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(bytes.byteLength, 1);
  return Buffer.concat([header, bytes]);
}

/** What a raw HTTP/2 call saw: the grpc-status it got, and its own address. */
interface RawCall {
  readonly session: http2.ClientHttp2Session;
  readonly stream: http2.ClientHttp2Stream;
  /** `127.0.0.1:port` of the client's socket, as the server should report it. */
  readonly localPeer: string;
  /** Resolves with the grpc-status of the response (trailers-only or trailers). */
  readonly status: Promise<number>;
}

/** Starts an Echo call by hand, sending its message but not its half-close. */
async function rawEcho(address: string, text: string, delayMs: number, headers: Record<string, string> = {}): Promise<RawCall> {
  const session = http2.connect(`http://${address}`);
  await new Promise<void>((resolve, reject) => session.once("connect", () => resolve()).once("error", reject));
  const stream = session.request(
    { ":method": "POST", ":path": ECHO_PATH, "content-type": "application/grpc", te: "trailers", [REQUEST_ID_KEY]: text, ...headers },
    { endStream: false },
  );
  const status = new Promise<number>((resolve) => {
    const read = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) resolve(Number(h["grpc-status"]));
    };
    stream.on("response", read).on("trailers", read).on("error", () => undefined);
    stream.on("close", () => resolve(-1));
  });
  stream.write(frame(toBinary(EchoRequestSchema, create(EchoRequestSchema, { text, delayMs }))));
  const socket = session.socket;
  return { session, stream, localPeer: `${socket.localAddress}:${socket.localPort}`, status };
}

describe("calls that end early", () => {
  let server: KledServer | undefined;
  let client: KledClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.shutdown(0);
    client = server = undefined;
  });

  /** A server with call logging and a middleware that sees every call's context first. */
  async function start(extra: ServerMiddleware[] = []) {
    const records = captureLogger();
    const handler = new EchoHandler();
    const seen: { requestId: string; signal: AbortSignal }[] = [];
    const first: ServerMiddleware = (next) => (request) => {
      seen.push({ requestId: request.context.requestId, signal: request.context.signal });
      return next(request);
    };
    server = new KledServer({ logger: records, middleware: [first, serverLogging(), ...extra] });
    registerEchoServiceHandler(server, handler);
    const address = await server.listen();
    client = new KledClient({ resilience: false, logger: silentLogger });
    const echo = createEchoServiceClient(client, { address });
    const logOf = (requestId: string) => records.records.find((r) => r.message === "call served" && r.fields["requestId"] === requestId)?.fields;
    const signalOf = (requestId: string) => seen.find((s) => s.requestId === requestId)?.signal;
    return { address, handler, echo, logOf, signalOf };
  }

  it("a call whose deadline passed before grpc-js handed it over does not start its handler, and says DEADLINE_EXCEEDED", async () => {
    const { address, handler, logOf, signalOf } = await start();
    // grpc-js ends the call at its deadline, then still starts the handler when the half-close arrives.
    const call = await rawEcho(address, "late-half-close", HANDLER_MS, { "grpc-timeout": "200m" });
    expect(await call.status).toBe(Code.DeadlineExceeded);
    call.stream.end();
    await eventually(() => logOf("late-half-close") !== undefined, 5_000);
    call.session.close();
    expect(handler.calls.filter((c) => c.label === "late-half-close")).toEqual([]);
    expect(codeOf(signalOf("late-half-close")?.reason)).toBe(Code.DeadlineExceeded);
    expect(logOf("late-half-close")).toMatchObject({ code: "DEADLINE_EXCEEDED", peer: call.localPeer });
  });

  it("a call whose connection closes aborts the handler's signal, and says CANCELED", async () => {
    const { address, handler, logOf } = await start();
    const call = await rawEcho(address, "connection-closed", HANDLER_MS);
    call.stream.end();
    await eventually(() => handler.calls.some((c) => c.label === "connection-closed"), 5_000);
    call.session.destroy();
    await eventually(() => handler.call("connection-closed").context.signal.aborted, 5_000);
    expect(codeOf(handler.call("connection-closed").context.signal.reason)).toBe(Code.Canceled);
    await eventually(() => logOf("connection-closed") !== undefined, 5_000);
    expect(logOf("connection-closed")).toMatchObject({ code: "CANCELED", peer: call.localPeer });
  });

  it("a call the server aborts at shutdown aborts the handler's signal with UNAVAILABLE", async () => {
    const { handler, echo, logOf } = await start();
    const call = echo.echo({ text: "shutdown", delayMs: HANDLER_MS }, { metadata: { [REQUEST_ID_KEY]: "shutdown" } }).catch((e: unknown) => e);
    await eventually(() => handler.calls.some((c) => c.label === "shutdown"), 5_000);
    await server?.shutdown(10);
    expect(codeOf(handler.call("shutdown").context.signal.reason)).toBe(Code.Unavailable);
    await call;
    await eventually(() => logOf("shutdown") !== undefined, 5_000);
    expect(logOf("shutdown")).toMatchObject({ code: "UNAVAILABLE", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });

  it.each([
    { how: "its deadline passes", options: () => ({ timeoutMs: 100 }), code: Code.DeadlineExceeded, name: "DEADLINE_EXCEEDED" },
    { how: "the client aborts", options: () => ({ signal: AbortSignal.timeout(100) }), code: Code.Canceled, name: "CANCELED" },
  ])("a call that ends while queued in middleware ($how) never starts its handler", async ({ options, code, name }) => {
    // Middleware that holds the call, as a pool or a rate limiter would, ignoring its signal.
    const queue: ServerMiddleware = (next) => async (request) => {
      await sleep(300);
      return next(request);
    };
    const { handler, echo, logOf, signalOf } = await start([queue]);
    const id = `queued-${name}`;
    const error = await echo.echo({ text: id, delayMs: HANDLER_MS }, { ...options(), metadata: { [REQUEST_ID_KEY]: id } }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(code);
    await eventually(() => logOf(id) !== undefined, 5_000);
    expect(handler.calls.filter((c) => c.label === id)).toEqual([]);
    expect(codeOf(signalOf(id)?.reason)).toBe(code);
    expect(logOf(id)).toMatchObject({ code: name, peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });
});
