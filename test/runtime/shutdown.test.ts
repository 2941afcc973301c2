import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { describe, expect, it } from "vitest";
import { Code, KledError } from "@kled/runtime";
import { eventually, startEcho } from "./support/harness.js";

describe("graceful shutdown", () => {
  it("waits for an in-flight call to finish, then stops", async () => {
    const h = await startEcho();
    const call = h.echo.echo({ text: "drain me", delayMs: 300 });
    await eventually(() => h.server.inFlight === 1);
    const started = Date.now();
    await h.server.shutdown(5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect((await call).text).toBe("drain me");
    expect(h.server.inFlight).toBe(0);
    expect(h.handler.call("drain me").context.signal.aborted).toBe(false);
    await h.close();
  });

  it("aborts calls still running when the grace period is over", async () => {
    const h = await startEcho();
    const call = h.echo.echo({ text: "too slow", delayMs: 10_000 }).catch((e: unknown) => e);
    await eventually(() => h.server.inFlight === 1);
    const started = Date.now();
    await h.server.shutdown(100);
    expect(Date.now() - started).toBeLessThan(2_000);
    const reason = h.handler.call("too slow").context.signal.reason as KledError;
    expect(reason.code).toBe(Code.Unavailable);
    const error = (await call) as KledError;
    expect(error).toBeInstanceOf(KledError);
    expect([Code.Unavailable, Code.Canceled, Code.Internal]).toContain(error.code);
    await eventually(() => h.server.inFlight === 0);
    await h.close();
  });

  it("refuses new calls once shutdown has begun", async () => {
    const h = await startEcho();
    const slow = h.echo.echo({ text: "holding", delayMs: 300 });
    await eventually(() => h.server.inFlight === 1);
    const stopping = h.server.shutdown(5_000);
    const error = (await h.echo.echo({ text: "late" }, { timeoutMs: 1_000 }).catch((e: unknown) => e)) as KledError;
    expect(error).toBeInstanceOf(KledError);
    expect(h.handler.calls.some((c) => c.label === "late")).toBe(false);
    await slow;
    await stopping;
    await h.close();
  });

  it("reports NOT_SERVING to health watchers as soon as shutdown begins, while calls still drain", async () => {
    const h = await startEcho();
    const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
    const health = new Health(h.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
    };
    const statuses: string[] = [];
    const watch = health.watch({ service: "kled.test.v1.EchoService" });
    watch.on("data", (update: { status: string }) => statuses.push(update.status));
    watch.on("error", () => undefined); // cancelled below
    await eventually(() => statuses.length === 1);
    const slow = h.echo.echo({ text: "draining", delayMs: 500 });
    await eventually(() => h.server.inFlight === 1);
    const stopping = h.server.shutdown(5_000);
    await eventually(() => statuses.length === 2);
    expect(statuses).toEqual(["SERVING", "NOT_SERVING"]);
    expect(h.server.inFlight).toBe(1); // told before the drain is over
    watch.cancel();
    health.close();
    expect((await slow).text).toBe("draining");
    await stopping;
    await h.close();
  });
});
