import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, KledError } from "@kled/runtime";
import { eventually, rpcTransports, startEcho, streamOf, type Harness } from "./support/harness.js";

function codeOf(error: unknown): number | undefined {
  return error instanceof KledError ? error.code : undefined;
}

describe.each(await rpcTransports())("deadlines and cancellation over %s", (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho({ transport });
  });
  afterAll(async () => {
    await h.close();
  });

  /** The abort reason of the handler's signal for the call labelled `label`, once aborted. */
  async function abortReason(label: string): Promise<unknown> {
    await eventually(() => h.handler.calls.some((c) => c.label === label && c.context.signal.aborted));
    return h.handler.call(label).context.signal.reason;
  }

  it("a unary call past its timeout fails DEADLINE_EXCEEDED and aborts the handler's signal", async () => {
    // Long enough for the handler to start on a loaded machine: a call whose
    // deadline passes before then never starts it (early-end.test.ts).
    const error = await h.echo.echo({ text: "slow", delayMs: 5_000 }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.DeadlineExceeded);
    expect(codeOf(await abortReason("slow"))).toBe(Code.DeadlineExceeded);
    await eventually(() => h.server.inFlight === 0);
  });

  it("the handler sees the deadline the client set", async () => {
    const deadline = new Date(Date.now() + 4_000);
    await h.echo.echo({ text: "deadline" }, { deadline });
    const seen = h.handler.call("deadline").context.deadline;
    expect(seen).toBeInstanceOf(Date);
    expect(Math.abs((seen as Date).getTime() - deadline.getTime())).toBeLessThan(100);
  });

  it("a server stream past its deadline fails DEADLINE_EXCEEDED mid-stream", async () => {
    const values: number[] = [];
    const error = await (async () => {
      // 1 s: on a loaded machine the first messages must have arrived by then; 1,000 of them take 10 s.
      for await (const r of h.echo.count({ n: 1_000, delayMs: 10 }, { timeoutMs: 1_000 })) values.push(r.value);
    })().catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.DeadlineExceeded);
    expect(values.length).toBeGreaterThan(0);
    expect(values.length).toBeLessThan(1_000);
    expect(codeOf(await abortReason("count:1000"))).toBe(Code.DeadlineExceeded);
  });

  it("aborting the caller's signal rejects CANCELED and aborts the handler's signal", async () => {
    const controller = new AbortController();
    const call = h.echo.echo({ text: "cancel me", delayMs: 5_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user pressed stop")), 50);
    const error = await call.catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.Canceled);
    expect((error as KledError).message).toContain("user pressed stop");
    expect(codeOf(await abortReason("cancel me"))).toBe(Code.Canceled);
  });

  it("an already aborted signal fails at once without calling", async () => {
    const error = await h.echo.echo({ text: "never" }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.Canceled);
    expect(h.handler.calls.some((c) => c.label === "never")).toBe(false);
  });

  it("breaking out of a server stream cancels the call on the server", async () => {
    const values: number[] = [];
    for await (const r of h.echo.count({ n: 999, delayMs: 5 })) {
      values.push(r.value);
      if (values.length === 3) break;
    }
    expect(values).toEqual([1, 2, 3]);
    expect(codeOf(await abortReason("count:999"))).toBe(Code.Canceled);
    await eventually(() => h.server.inFlight === 0);
  });

  // A Node client half-closes before it resets a cancelled stream, so the
  // handler may see the stream end normally; only the caller's side is certain.
  it("cancelling a client stream rejects CANCELED and frees the server", async () => {
    const controller = new AbortController();
    async function* numbers() {
      for (let i = 1; i <= 3; i++) yield { value: BigInt(i) };
      await new Promise((resolve) => setTimeout(resolve, 30));
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const error = await h.echo.sum(numbers(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.Canceled);
    expect((error as KledError).message).toContain("/kled.test.v1.EchoService/Sum canceled");
    await eventually(() => h.handler.calls.some((c) => c.label === "sum") && h.server.inFlight === 0);
  });

  it("cancelling a bidi stream mid-way aborts the handler", async () => {
    const controller = new AbortController();
    const texts: string[] = [];
    const error = await (async () => {
      for await (const r of h.echo.chat(streamOf([{ text: "linger" }]), { signal: controller.signal })) {
        texts.push(r.text);
        if (texts.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(codeOf(error)).toBe(Code.Canceled);
    expect(texts).toEqual(["echo: linger", "tick", "tick"]);
    expect(codeOf(await abortReason("chat"))).toBe(Code.Canceled);
    await eventually(() => h.server.inFlight === 0);
  });
});
