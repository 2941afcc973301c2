import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, currentContext, KledError } from "@kled/runtime";
import { eventually, startEcho, type Harness } from "./support/harness.js";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("context propagation to calls made inside a handler", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho();
    h.handler.onEcho = async (request) => {
      if (request.text === "outer") {
        const inner = await h.echo.echo({ text: "inner" });
        return { "inner-traceparent": inner.metadata["traceparent"] ?? "", "inner-request-id": inner.metadata["x-request-id"] ?? "" };
      }
      if (request.text === "outer-slow") {
        await h.echo.echo({ text: "inner-slow", delayMs: 10_000 });
      }
      if (request.text === "outer-own-id") {
        const inner = await h.echo.echo({ text: "inner-own-id" }, { metadata: { "x-request-id": "chosen" } });
        return { "inner-request-id": inner.metadata["x-request-id"] ?? "" };
      }
      return {};
    };
  });
  afterAll(async () => {
    await h.close();
  });

  it("carries trace metadata and the request id, and bounds the inner deadline by the outer one", async () => {
    const response = await h.echo.echo(
      { text: "outer" },
      { timeoutMs: 3_000, metadata: { traceparent: TRACEPARENT, "x-request-id": "req-42" } },
    );
    expect(response.metadata["inner-traceparent"]).toBe(TRACEPARENT);
    expect(response.metadata["inner-request-id"]).toBe("req-42");
    const outer = h.handler.call("outer").context;
    const inner = h.handler.call("inner").context;
    expect(outer.requestId).toBe("req-42");
    expect(inner.requestId).toBe("req-42");
    // The client's default would be 30 s; the inner call inherits the outer 3 s.
    const outerDeadline = outer.deadline?.getTime() ?? Number.NaN;
    const innerDeadline = inner.deadline?.getTime() ?? Number.NaN;
    expect(Math.abs(innerDeadline - outerDeadline)).toBeLessThan(50);
    expect(innerDeadline - Date.now()).toBeLessThan(3_100);
  });

  it("a request without a request id gets one, and the inner call reuses it", async () => {
    await h.echo.echo({ text: "outer" });
    const outer = h.handler.call("outer").context;
    expect(outer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.handler.call("inner").context.requestId).toBe(outer.requestId);
  });

  it("explicit call metadata wins over inherited metadata", async () => {
    const response = await h.echo.echo({ text: "outer-own-id" }, { metadata: { "x-request-id": "parent" } });
    expect(response.metadata["inner-request-id"]).toBe("chosen");
  });

  it("cancelling the outer call cancels the inner one", async () => {
    const controller = new AbortController();
    const call = h.echo.echo({ text: "outer-slow" }, { signal: controller.signal });
    await eventually(() => h.handler.calls.some((c) => c.label === "inner-slow"));
    controller.abort();
    expect(((await call.catch((e: unknown) => e)) as KledError).code).toBe(Code.Canceled);
    await eventually(() => h.handler.call("inner-slow").context.signal.aborted);
    expect((h.handler.call("inner-slow").context.signal.reason as KledError).code).toBe(Code.Canceled);
  });

  it("the current context is visible to code the handler calls, and gone outside", async () => {
    let seen: string | undefined;
    const previous = h.handler.onEcho;
    h.handler.onEcho = async () => {
      seen = currentContext()?.method.path;
      return {};
    };
    try {
      await h.echo.echo({ text: "ctx" });
    } finally {
      h.handler.onEcho = previous;
    }
    expect(seen).toBe("/kled.test.v1.EchoService/Echo");
    expect(currentContext()).toBeUndefined();
  });
});
