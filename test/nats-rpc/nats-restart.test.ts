import { afterEach, describe, expect, it } from "vitest";
import { Code, KledClient, KledError, KledServer, MemoryRegistry, silentLogger, type TransportOption } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { OwnNatsServer } from "../broker/support/nats-server.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { eventually } from "../runtime/support/harness.js";
import { requireService } from "../support/services.js";

// This test restarts NATS, so it runs its own nats-server on an ephemeral
// port rather than the shared one.
const available = await requireService("nats-server", "nats-server on an ephemeral port", async () => {
  const reason = OwnNatsServer.unavailable();
  if (reason !== undefined) throw new Error(reason);
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function codeOf(error: unknown): Code | undefined {
  return error instanceof KledError ? error.code : undefined;
}

describe.skipIf(available.skip !== undefined)("RPC over NATS across a NATS restart", () => {
  it("calls in flight fail UNAVAILABLE; once NATS is back, calls succeed again", { timeout: 60_000 }, async () => {
    const nats = await OwnNatsServer.start();
    cleanups.push(() => nats.close());
    const transport = nats.url as TransportOption;
    const handler = new EchoHandler();
    const server = new KledServer({ logger: silentLogger, transport });
    registerEchoServiceHandler(server, handler);
    await server.listen();
    cleanups.push(() => server.shutdown(0));
    const registry = new MemoryRegistry();
    await registry.register({
      name: "kled.test.v1.EchoService",
      version: "1",
      metadata: {},
      endpoints: [],
      // No gRPC behind the address: every call must go over NATS.
      nodes: [{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }],
    });
    // The in-flight failures open the node's circuit, as a dropped gRPC
    // connection would; a short half-open delay lets the test see it close again.
    const client = new KledClient({ registry, transport, resilience: { defaults: { breaker: { halfOpenAfterMs: 300 } } } });
    cleanups.push(async () => {
      await client.close();
      await registry.close();
    });
    const echo = createEchoServiceClient(client);
    expect((await echo.echo({ text: "before" })).text).toBe("before");

    // Unary calls and a server stream in flight when NATS goes down; retry off, to see each attempt's outcome.
    const unary = Array.from({ length: 5 }, (_, i) =>
      echo.echo({ text: `in flight ${i}`, delayMs: 3_000 }, { retry: false }).catch((e: unknown) => e),
    );
    const stream = (async () => {
      for await (const _ of echo.count({ n: 1_000, delayMs: 20 }, { retry: false }));
    })().catch((e: unknown) => e);
    await eventually(() => server.inFlight === 6, 5_000);
    await nats.restart(300);

    const outcomes = await Promise.all([...unary, stream]);
    expect(outcomes.map(codeOf)).toEqual(Array(6).fill(Code.Unavailable));
    // The server's side of those calls ends too: nothing waits for a client that cannot hear.
    await eventually(() => server.inFlight === 0, 10_000);

    // Back: a call made now may meet the open circuit, or the node's
    // subscription not yet renewed ("no responders", never sent); retried, it succeeds.
    const after = await retryUntil(() => echo.echo({ text: "after" }), 15_000);
    expect(after.text).toBe("after");
    const values: number[] = [];
    for await (const r of echo.count({ n: 100 })) values.push(r.value);
    expect(values).toHaveLength(100);
  });
});

/** `call`, retried on UNAVAILABLE every 100 ms until it succeeds or `withinMs` passes. */
async function retryUntil<T>(call: () => Promise<T>, withinMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (codeOf(error) !== Code.Unavailable || Date.now() - started > withinMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
