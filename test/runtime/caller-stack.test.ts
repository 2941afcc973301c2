import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Code, KledError } from "@kled/runtime";
import { startEcho, type Harness } from "./support/harness.js";

// grpc-js captures a stack trace for every call it starts, only for the
// error of a failed call, which Kled replaces; Kled starts its calls with
// stack traces off (client/transport.ts). These tests see the limit that
// grpc-js sees, and that it is back afterwards.
describe("grpc-js calls start without a caller stack trace", () => {
  let h: Harness;
  const limits: Record<string, number[]> = {};
  beforeAll(async () => {
    h = await startEcho();
    for (const name of ["makeUnaryRequest", "makeServerStreamRequest", "makeClientStreamRequest", "makeBidiStreamRequest"] as const) {
      const original = grpc.Client.prototype[name] as (...args: unknown[]) => unknown;
      vi.spyOn(grpc.Client.prototype, name).mockImplementation(function (this: grpc.Client, ...args: unknown[]) {
        (limits[name] ??= []).push(Error.stackTraceLimit);
        return original.apply(this, args);
      } as never);
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await h.close();
  });

  it("for all four kinds of call; the limit is back once each has started", async () => {
    const before = Error.stackTraceLimit;
    expect(before).toBeGreaterThan(0);
    expect((await h.echo.echo({ text: "a" })).text).toBe("a");
    expect(Error.stackTraceLimit).toBe(before);
    const counted: number[] = [];
    for await (const item of h.echo.count({ n: 2 })) counted.push(item.value);
    expect(counted).toHaveLength(2);
    async function* addends() {
      yield { value: 2n };
      yield { value: 3n };
    }
    expect((await h.echo.sum(addends())).total).toBe(5n);
    async function* lines() {
      yield { text: "hi" };
    }
    const replies: string[] = [];
    for await (const reply of h.echo.chat(lines())) replies.push(reply.text);
    expect(replies).toHaveLength(1);
    expect(limits).toEqual({
      makeUnaryRequest: [0],
      makeServerStreamRequest: [0],
      makeClientStreamRequest: [0],
      makeBidiStreamRequest: [0],
    });
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("a failed call still rejects with a KledError that has a stack", async () => {
    const error = (await h.echo.echo({ text: "nope", failCode: Code.NotFound }).catch((e: unknown) => e)) as KledError;
    expect(error).toBeInstanceOf(KledError);
    expect(error.code).toBe(Code.NotFound);
    expect(error.stack).toContain("failed as asked: nope");
    expect(error.stack?.split("\n").length).toBeGreaterThan(1);
  });
});
