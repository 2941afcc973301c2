import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, KledClient, KledError, KledServer, serverLogging } from "@kled/runtime";
import {
  createEchoServiceClient,
  registerEchoServiceHandler,
  type EchoServiceClient,
  type EchoServiceHandler,
} from "../gen/kled/test/v1/echo_kled.js";
import type { CountRequest, EchoRequest } from "../gen/kled/test/v1/echo_pb.js";
import { captureLogger } from "./support/capture-logger.js";
import { eventually } from "./support/harness.js";

/**
 * Streaming handlers may return sync iterables (generators, arrays), which
 * the server sends without a promise per message. Count's `n` picks the
 * shape: a generator by default, an array for n = 3, a generator failing
 * after two messages for n = 4, a non-iterable for n = 5.
 */
class SyncCountHandler implements EchoServiceHandler {
  /** How many messages the generator produced, and whether its `finally` ran. */
  produced = 0;
  closed = false;

  count(request: CountRequest) {
    if (request.n === 3) return [{ value: 1 }, { value: 2 }, { value: 3 }];
    if (request.n === 4) return this.failing();
    if (request.n === 5) return 42 as never;
    return this.counting(request.n);
  }

  echo(request: EchoRequest) {
    return { text: request.text };
  }

  sum(): never {
    throw new KledError(Code.Unimplemented, "not part of this test");
  }

  *chat() {}

  *counting(n: number) {
    this.produced = 0;
    this.closed = false;
    try {
      for (let value = 1; value <= n; value++) {
        this.produced = value;
        yield { value };
      }
    } finally {
      this.closed = true;
    }
  }

  *failing() {
    yield { value: 1 };
    yield { value: 2 };
    throw new KledError(Code.FailedPrecondition, "the counter broke at 3");
  }
}

describe("streaming handlers returning sync iterables", () => {
  const records = captureLogger().records;
  const handler = new SyncCountHandler();
  let server: KledServer;
  let client: KledClient;
  let echo: EchoServiceClient;

  beforeAll(async () => {
    server = new KledServer({ logger: captureLogger(records), middleware: [serverLogging()] });
    registerEchoServiceHandler(server, handler);
    const address = await server.listen();
    client = new KledClient({});
    echo = createEchoServiceClient(client, { address });
  });
  afterAll(async () => {
    await client.close();
    await server.shutdown(0);
  });

  async function values(n: number): Promise<number[]> {
    const received: number[] = [];
    for await (const response of echo.count({ n })) received.push(response.value);
    return received;
  }

  it("sends every message of a generator in order, through the transport's backpressure", async () => {
    const received = await values(20_000);
    expect(received.length).toBe(20_000);
    expect(received.every((value, index) => value === index + 1)).toBe(true);
    expect(handler.closed).toBe(true);
  });

  it("sends an array", async () => {
    expect(await values(3)).toEqual([1, 2, 3]);
  });

  it("a generator that throws ends the stream with its status after the messages before it", async () => {
    const received: number[] = [];
    const failure = await (async () => {
      for await (const response of echo.count({ n: 4 })) received.push(response.value);
    })().catch((error: unknown) => error);
    expect(received).toEqual([1, 2]);
    expect(failure).toBeInstanceOf(KledError);
    expect((failure as KledError).code).toBe(Code.FailedPrecondition);
    expect((failure as KledError).message).toContain("the counter broke at 3");
  });

  it("a non-iterable answers INTERNAL naming the method and what it returned", async () => {
    const failure = await values(5).catch((error: unknown) => error);
    expect((failure as KledError).code).toBe(Code.Internal);
    const logged = records.find((record) => record.level === "error" && String(record.fields["error"]).includes("returned number"));
    expect(logged?.fields["error"]).toMatch(/EchoService\/Count returned number, not an AsyncIterable or Iterable/);
  });

  it("stops the generator when the client stops reading, and logs the call as canceled", async () => {
    for await (const response of echo.count({ n: 1_000_000 })) {
      if (response.value === 10) break;
    }
    await eventually(() => handler.closed);
    expect(handler.produced).toBeLessThan(1_000_000);
    await eventually(() => records.some((record) => record.fields["code"] === "CANCELED"));
  });

  it("the logging middleware sees a completed sync stream end OK", () => {
    const served = records.filter((record) => record.message === "call served" && record.fields["code"] === "OK");
    expect(served.map((record) => record.fields["method"])).toContain("/kled.test.v1.EchoService/Count");
  });
});
