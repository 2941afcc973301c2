/**
 * The composed policies against fake nodes: retry on other nodes, the
 * tried-node rounds, the deadline, streams, header and trailer delivery.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Code, KledError, Metadata, Resilience, type ClientRequest, type ReadonlyMetadata } from "@kled/runtime";
import { CountResponseSchema, SumRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { answer, echoRequest, fakeCaller } from "./support/fake-caller.js";

afterEach(() => vi.restoreAllMocks());

const unavailable = () => Promise.reject(new KledError(Code.Unavailable, "node down"));
/** Retries without waiting: these tests are about where attempts go, not when. */
const quick = { defaults: { retry: { initialDelayMs: 0, maxDelayMs: 0 } } };

describe("retry across nodes", () => {
  test("each retry goes to a node not tried yet", async () => {
    const { caller, attempts, excluded } = fakeCaller(["a", "b", "c"], (node) => (node === "c" ? () => answer(node) : unavailable));
    const response = await new Resilience(quick).execute(echoRequest(), caller);
    expect(response.stream === false && (response.message as unknown as { text: string }).text).toBe("c");
    expect(attempts).toEqual(["a", "b", "c"]);
    expect(excluded.map((set) => [...set])).toEqual([[], ["a"], ["a", "b"]]);
  });

  test("once every node was tried, a new round may reuse them", async () => {
    let calls = 0;
    const { caller, attempts } = fakeCaller(["a", "b"], (node) => () => (++calls < 3 ? unavailable() : answer(node)));
    await new Resilience(quick).execute(echoRequest(), caller);
    expect(attempts).toEqual(["a", "b", "a"]);
  });

  test("gives up after maxAttempts with the last error; a business error is not retried", async () => {
    const down = fakeCaller(["a", "b", "c", "d"], () => unavailable);
    const error = await new Resilience(quick).execute(echoRequest(), down.caller).catch((e: unknown) => e);
    expect((error as KledError).code).toBe(Code.Unavailable);
    expect(down.attempts).toEqual(["a", "b", "c"]);

    const missing = fakeCaller(["a", "b"], () => () => Promise.reject(new KledError(Code.NotFound, "no such thing")));
    const notFound = await new Resilience(quick).execute(echoRequest(), missing.caller).catch((e: unknown) => e);
    expect((notFound as KledError).code).toBe(Code.NotFound);
    expect(missing.attempts).toEqual(["a"]);
  });

  test("no attempt starts after the deadline, and backoff waits are cut at it", async () => {
    const { caller, attempts } = fakeCaller(["a", "b", "c"], () => unavailable);
    const resilience = new Resilience({ defaults: { retry: { maxAttempts: 10, initialDelayMs: 10_000, maxDelayMs: 10_000 } } });
    const deadline = new Date(Date.now() + 150);
    const error = (await resilience.execute(echoRequest({ deadline }), caller).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(error.message).toMatch(/passed after 1 attempt\(s\); the last failed with \[UNAVAILABLE\] node down/);
    expect(attempts).toEqual(["a"]);
  });

  test("the attempt after a wait cut at the deadline fails DEADLINE_EXCEEDED even when the wait ends early", async () => {
    // Node times waits on the event loop's cached clock, which can lag behind
    // Date.now(): here the clock reads 100 ms ahead while the wait is computed,
    // so the wait ends 100 ms before the deadline.
    const realNow = Date.now.bind(Date);
    let skew = 0;
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + skew);
    const { caller, attempts } = fakeCaller(["a", "b", "c"], () => () => {
      skew = 100;
      setImmediate(() => (skew = 0));
      return Promise.reject(new KledError(Code.Unavailable, "node down"));
    });
    const resilience = new Resilience({ defaults: { retry: { maxAttempts: 10, initialDelayMs: 10_000, maxDelayMs: 10_000 } } });
    const deadline = new Date(Date.now() + 300);
    const error = (await resilience.execute(echoRequest({ deadline }), caller).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(attempts).toEqual(["a"]);
  });

  test("a caller's cancel ends the call at once, even during a backoff wait", async () => {
    const { caller } = fakeCaller(["a", "b"], () => unavailable);
    const resilience = new Resilience({ defaults: { retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } } });
    const controller = new AbortController();
    const pending = resilience.execute(echoRequest({ signal: controller.signal }), caller).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error("user gave up"));
    const error = (await pending) as KledError;
    expect(error.code).toBe(Code.Canceled);
    expect(error.message).toMatch(/user gave up/);
  });
});

describe("streams and metadata", () => {
  test("a response stream failing before its first message is retried; after it, not", async () => {
    async function* failing(after: number) {
      for (let value = 1; value <= after; value++) yield create(CountResponseSchema, { value });
      throw new KledError(Code.Unavailable, "stream broke");
    }
    const count = (node: string) => () => ({ stream: true as const, messages: failing(node === "a" ? 0 : 1) });
    const { caller, attempts } = fakeCaller(["a", "b", "c"], count);
    const request = echoRequest({}, "count");
    const response = await new Resilience(quick).execute({ ...request, retry: true } as ClientRequest, caller);
    const values: number[] = [];
    const error = await (async () => {
      if (!response.stream) throw new Error("expected a stream");
      for await (const message of response.messages) values.push((message as unknown as { value: number }).value);
    })().catch((e: unknown) => e);
    expect(attempts).toEqual(["a", "b"]);
    expect(values).toEqual([1]);
    expect((error as KledError).message).toMatch(/stream broke/);
  });

  test("a request stream is replayed to the retry's node", async () => {
    const seen: Record<string, bigint[]> = {};
    const { caller, attempts } = fakeCaller(["a", "b"], (node) => async (request) => {
      if (!request.stream) throw new Error("expected a request stream");
      const values: bigint[] = (seen[node] = []);
      for await (const message of request.messages) values.push((message as unknown as { value: bigint }).value);
      return node === "a" ? unavailable() : answer(node);
    });
    async function* requests() {
      for (const value of [1n, 2n, 3n]) yield create(SumRequestSchema, { value });
    }
    const base = echoRequest({}, "sum");
    await new Resilience(quick).execute({ ...base, stream: true, messages: requests(), retry: true } as ClientRequest, caller);
    expect(attempts).toEqual(["a", "b"]);
    expect(seen).toEqual({ a: [1n, 2n, 3n], b: [1n, 2n, 3n] });
  });

  test("header and trailer callbacks see only the attempt whose outcome the call returns", async () => {
    const trailers: string[] = [];
    const { caller } = fakeCaller(["a", "b"], (node) => async (request) => {
      request.onTrailer?.(new Metadata({ "x-node": node }));
      return node === "a" ? unavailable() : answer(node);
    });
    const onTrailer = (trailer: ReadonlyMetadata) => trailers.push(trailer.get("x-node") ?? "?");
    await new Resilience(quick).execute(echoRequest({ onTrailer }), caller);
    expect(trailers).toEqual(["b"]);
  });

  test("a direct address is retried on the same address", async () => {
    let calls = 0;
    const { caller, attempts } = fakeCaller(["a"], () => () => (++calls < 2 ? unavailable() : answer("direct")));
    const direct = { ...caller, pick: async (request: ClientRequest) => ({ id: request.address ?? "", address: request.address ?? "" }) };
    await new Resilience(quick).execute(echoRequest({ address: "127.0.0.1:9" }), direct);
    expect(attempts).toEqual(["127.0.0.1:9", "127.0.0.1:9"]);
  });
});
