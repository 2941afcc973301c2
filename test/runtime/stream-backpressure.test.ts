import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import {
  Code,
  DEFAULT_MAX_BUFFERED_RESPONSE_BYTES,
  KledError,
  KledServer,
  silentLogger,
  type HandlerContext,
  type KledServerOptions,
} from "@kled/runtime";
import { registerEchoServiceHandler, type EchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import type { EchoRequest } from "../gen/kled/test/v1/echo_pb.js";

const CHAT = "/kled.test.v1.EchoService/Chat";

/**
 * Chat ignores its requests and answers with endless messages of `size`
 * bytes (request header "x-size"), from an async generator or, with header
 * "x-shape: sync", a sync generator; it counts what the server pulled from
 * each, by header "x-id", and whether the generator's `finally` ran.
 */
class FloodHandler implements EchoServiceHandler {
  readonly produced = new Map<string, number>();
  readonly closed = new Set<string>();

  chat(_requests: AsyncIterable<unknown>, context: HandlerContext) {
    const id = String(context.metadata.get("x-id"));
    const text = "x".repeat(Number(context.metadata.get("x-size")));
    return context.metadata.get("x-shape") === "sync" ? this.#sync(id, text) : this.#async(id, text);
  }

  async *#async(id: string, text: string) {
    try {
      for (;;) {
        this.produced.set(id, (this.produced.get(id) ?? 0) + 1);
        yield { text };
      }
    } finally {
      this.closed.add(id);
    }
  }

  *#sync(id: string, text: string) {
    try {
      for (;;) {
        this.produced.set(id, (this.produced.get(id) ?? 0) + 1);
        yield { text };
      }
    } finally {
      this.closed.add(id);
    }
  }

  echo(request: EchoRequest) {
    return { text: request.text };
  }

  count(): never {
    throw new KledError(Code.Unimplemented, "not part of this test");
  }

  sum(): never {
    throw new KledError(Code.Unimplemented, "not part of this test");
  }
}

let server: KledServer | undefined;
let session: ClientHttp2Session | undefined;
afterEach(async () => {
  session?.destroy();
  session = undefined;
  await server?.shutdown(0);
  server = undefined;
});

async function start(options: KledServerOptions = {}): Promise<{ handler: FloodHandler; address: string }> {
  server = new KledServer({ logger: silentLogger, ...options });
  const handler = new FloodHandler();
  registerEchoServiceHandler(server, handler);
  const address = await server.listen("127.0.0.1:0");
  session = connect(`http://${address}`);
  session.on("error", () => undefined);
  return { handler, address };
}

/**
 * Opens a Chat call on a plain HTTP/2 stream that is never read: unlike a
 * grpc-js client, which keeps reading the HTTP/2 stream into memory until
 * the application first reads, it leaves the flow-control window to fill
 * (Node's default, 65,535 bytes) and then stops it.
 */
function unread(id: string, size: number, headers: Record<string, string> = {}): ClientHttp2Stream {
  const stream = session!.request({
    ":method": "POST",
    ":path": CHAT,
    "content-type": "application/grpc",
    te: "trailers",
    "x-id": id,
    "x-size": String(size),
    ...headers,
  });
  stream.on("error", () => undefined);
  stream.pause();
  stream.end();
  return stream;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The count once it has not changed for 500 ms (at most 10 s). */
async function settled(read: () => number): Promise<number> {
  let last = -1;
  let still = 0;
  for (let waited = 0; waited < 10_000 && still < 5; waited += 100) {
    await sleep(100);
    const now = read();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

/** HTTP/2's default stream window, which the unread client leaves as it is. */
const WINDOW_BYTES = 65_535;

describe.each(["async", "sync"] as const)("a %s generator handler whose client does not read", (shape) => {
  it(`is asked for about ${DEFAULT_MAX_BUFFERED_RESPONSE_BYTES} bytes (the default bound) of messages, then waits`, async () => {
    const { handler } = await start();
    const size = 128 * 1024;
    const stream = unread("a", size, { "x-shape": shape });
    const produced = await settled(() => handler.produced.get("a") ?? 0);
    // bound/size messages wait in the server, one is partly in the window,
    // and the generator has run to its next yield. grpc-js alone: 16 waiting.
    expect(produced).toBeGreaterThanOrEqual(DEFAULT_MAX_BUFFERED_RESPONSE_BYTES / size);
    expect(produced).toBeLessThanOrEqual(DEFAULT_MAX_BUFFERED_RESPONSE_BYTES / size + 2);
    expect(handler.closed.has("a")).toBe(false);

    // Paused, not stuck: once the client reads, the handler goes on.
    stream.on("data", () => undefined);
    stream.resume();
    await expect.poll(() => handler.produced.get("a") ?? 0, { timeout: 5_000 }).toBeGreaterThan(produced + 20);
  });

  it("is asked for the window and limits.maxBufferedResponseBytes of messages", async () => {
    const bound = 32 * 1024;
    const size = 8 * 1024;
    const { handler } = await start({ limits: { maxBufferedResponseBytes: bound } });
    unread("b", size, { "x-shape": shape });
    const produced = await settled(() => handler.produced.get("b") ?? 0);
    // The messages that fit the window are sent (their writes complete), and
    // bound/size more wait. grpc-js alone: 16 waiting, 24 in all.
    expect(produced).toBeGreaterThanOrEqual(bound / size);
    expect(produced).toBeLessThanOrEqual(Math.ceil(WINDOW_BYTES / size) + bound / size + 2);
  });

  it("ends while paused when its deadline passes", async () => {
    const { handler } = await start();
    unread("c", 128 * 1024, { "x-shape": shape, "grpc-timeout": "500m" });
    await expect.poll(() => handler.closed.has("c"), { timeout: 5_000 }).toBe(true);
    expect(handler.produced.get("c")).toBeLessThanOrEqual(DEFAULT_MAX_BUFFERED_RESPONSE_BYTES / (128 * 1024) + 2);
  });

  it("ends while paused when its client cancels", async () => {
    const { handler } = await start();
    const stream = unread("d", 128 * 1024, { "x-shape": shape });
    await settled(() => handler.produced.get("d") ?? 0);
    expect(handler.closed.has("d")).toBe(false);
    stream.close(constants.NGHTTP2_CANCEL);
    await expect.poll(() => handler.closed.has("d"), { timeout: 5_000 }).toBe(true);
  });
});

it("refuses a maxBufferedResponseBytes that is not a positive whole number, naming it", () => {
  const server = new KledServer({ logger: silentLogger, limits: { maxBufferedResponseBytes: 0 } });
  expect(() => registerEchoServiceHandler(server, new FloodHandler())).toThrow(/limits\.maxBufferedResponseBytes is 0/);
});
