/** Rate limiting in memory: server middleware per method and caller, client middleware per service. */
import { afterEach, describe, expect, test } from "vitest";
import { Code, KledError, ResilienceEvents, type HandlerContext, type RateLimitedEvent, type ReadonlyMetadata, type ServerMiddleware } from "@kled/runtime";
import { callerKey, clientRateLimit, peerHost, retryAfterMs, serverRateLimit } from "@kled/runtime/ratelimit";
import { startEcho, type Harness } from "../runtime/support/harness.js";

const ECHO = "/kled.test.v1.EchoService/Echo";
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Stands in for an auth middleware: the identity a test header names (never do this outside tests). */
const testIdentity: ServerMiddleware = (next) => async (request) => {
  const subject = request.context.metadata.get("x-test-subject");
  if (subject !== undefined) request.context.identity = { subject, claims: {}, source: "jwt" };
  return next(request);
};

async function outcome(call: Promise<unknown>): Promise<"ok" | KledError> {
  return call.then(
    () => "ok" as const,
    (error: unknown) => error as KledError,
  );
}

describe("server rate limit", () => {
  test("over the budget: RESOURCE_EXHAUSTED with retry-after trailers, per method and per caller", async () => {
    const events = new ResilienceEvents();
    const limited: RateLimitedEvent[] = [];
    events.on("rateLimited", (event) => limited.push(event));
    harness = await startEcho({
      server: {
        middleware: [testIdentity, serverRateLimit({ limit: { points: 3, durationSec: 60 }, methods: { "/kled.test.v1.EchoService/Count": false }, events })],
      },
    });
    const { echo } = harness;
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(echo.echo({ text: `${i}` })));
    expect(results.slice(0, 3)).toEqual(["ok", "ok", "ok"]);
    let trailer: ReadonlyMetadata | undefined;
    const refused = (await outcome(echo.echo({ text: "late" }, { onTrailer: (t) => (trailer = t) }))) as KledError;
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toMatch(/^\/kled\.test\.v1\.EchoService\/Echo for peer:127\.0\.0\.1: rate limit exceeded; retry after \d+ ms$/);
    expect(Number(trailer?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(trailer?.get("retry-after-ms"))).toBeGreaterThan(0);
    expect(retryAfterMs(refused)).toBe(Number(trailer?.get("retry-after-ms")));
    // Refused calls never reached the handler, and were not retried by the client.
    expect(harness.handler.calls.filter((c) => c.label !== "count:1")).toHaveLength(3);

    // An exempt method, and another caller (a verified identity), have budgets of their own.
    for await (const _ of echo.count({ n: 1 }));
    expect(await outcome(echo.echo({ text: "alice" }, { metadata: { "x-test-subject": "alice" } }))).toBe("ok");
    expect(limited).toHaveLength(3);
    expect(limited[0]).toMatchObject({ side: "server", key: `${ECHO}|peer:127.0.0.1`, method: ECHO });
  });

  test("caller keys: the verified subject, else the peer host without its port", () => {
    const context = (peer: string, subject?: string) =>
      ({ peer, identity: subject === undefined ? undefined : { subject, domain: "acme", claims: {}, source: "jwt" } }) as HandlerContext;
    expect(callerKey(context("127.0.0.1:53412"))).toBe("peer:127.0.0.1");
    expect(callerKey(context("[::1]:53412"))).toBe("peer:[::1]");
    expect(callerKey(context("10.0.0.7:1", "bob"))).toBe("id:acme/bob");
    expect(peerHost("unix:/tmp/kled.sock")).toBe("unix:/tmp/kled.sock");
    expect(peerHost("::1")).toBe("::1");
  });

  test("a wrong budget fails when the middleware is created", () => {
    expect(() => serverRateLimit({ methods: { [ECHO]: { points: 0, durationSec: 1 } } })).toThrow(
      `rate limit "${ECHO}": points 0 is invalid; use an integer of at least 1`,
    );
  });
});

describe("client rate limit", () => {
  test("calls to a service over its budget fail before leaving the process", async () => {
    const events = new ResilienceEvents();
    const limited: RateLimitedEvent[] = [];
    events.on("rateLimited", (event) => limited.push(event));
    harness = await startEcho({
      client: { middleware: [clientRateLimit({ services: { "kled.test.v1.EchoService": { points: 2, durationSec: 60 } }, events })] },
    });
    expect(await outcome(harness.echo.echo({ text: "1" }))).toBe("ok");
    expect(await outcome(harness.echo.echo({ text: "2" }))).toBe("ok");
    const refused = (await outcome(harness.echo.echo({ text: "3" }))) as KledError;
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toMatch(/calls to service "kled\.test\.v1\.EchoService" from this client: rate limit exceeded/);
    expect(Number(refused.metadata["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(harness.handler.calls).toHaveLength(2);
    expect(limited).toEqual([expect.objectContaining({ side: "client", key: "kled.test.v1.EchoService", method: ECHO })]);
  });
});
