/**
 * A call that is no longer live never commits, and a call cancelled before
 * its handler starts never starts it: client cancel, deadline (unary, and
 * mid-stream), server shutdown, calls that expire while queueing for a
 * pooled connection, and broker deliveries abandoned at the drain timeout. The handlers here ignore their signal on purpose, as
 * many real handlers do: the transaction must not depend on them noticing.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, defineTopic, KledClient, KledError, KledServer, MemoryBroker, REQUEST_ID_KEY, serverLogging, silentLogger } from "@kled/runtime";
import { Database, transactionalHandler, transactionMiddleware, type TransactionScope } from "@kled/runtime/mikro-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler, type EchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { captureLogger } from "../runtime/support/capture-logger.js";
import { requirePostgres } from "../support/services.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";
import { waitUntil } from "../registry/wait.js";
import { LingeringNotesHandler, NOTES_PER_ECHO, OWNER_HEADER } from "./support/lingering-notes.js";
import { NoteSchema } from "./support/notes.js";

const postgres = await requirePostgres();

/** Calls per case. */
const CALLS = 10;
/** How long handlers keep working after their writes, ignoring their signal, in ms: well past every deadline below. */
const LINGER_MS = 400;
/** The deadline of the deadline cases, in ms. */
const SHORT_DEADLINE_MS = 150;
/** When the client aborts in the cancel case, in ms. */
const CLIENT_ABORT_MS = 100;

/**
 * The queueing case: `calls` calls, each holding a pooled connection for
 * HOLD_MS, `pool` at a time, with the deadline halfway through the second
 * batch, so that no commit falls near it on a slow machine: the first batch
 * commits half a hold before it, and later batches drift no closer (with
 * the deadline six batches in, their drift once put a commit on it). The
 * rest queue past the deadline and must never start. A commit whose round
 * trip the deadline interrupts stays committed: no check can take back what
 * the database acknowledged.
 */
const HOLD_MS = 400;
const QUEUE_DEADLINE_MS = 1.5 * HOLD_MS;

function codeOf(error: unknown): number | undefined {
  return error instanceof KledError ? error.code : undefined;
}

describe.each([
  { name: "SQLite", url: undefined, skip: undefined, queued: { calls: 20, pool: 1 } },
  { name: "PostgreSQL", url: postgres.url, skip: postgres.skip, queued: { calls: 100, pool: 10 } },
])("calls that end early on $name", ({ url, skip, queued }) => {
  let db: TestDatabase;
  let server: KledServer;
  let client: KledClient;
  let echo: EchoServiceClient;
  let handler: LingeringNotesHandler;
  const records = captureLogger();

  beforeAll(async () => {
    if (skip !== undefined) return;
    db = await openTestDatabase([NoteSchema], url);
    handler = new LingeringNotesHandler();
    server = new KledServer({ logger: records, middleware: [serverLogging(), transactionMiddleware(db.database)] });
    registerEchoServiceHandler(server, handler);
    const address = await server.listen();
    client = new KledClient({ resilience: false, logger: silentLogger });
    echo = createEchoServiceClient(client, { address });
  });
  afterAll(async () => {
    await client?.close();
    await server?.shutdown(0);
    await db?.cleanup();
  });

  const notes = (owners: readonly string[]) => db.database.fork().count(NoteSchema, { owner: { $in: [...owners] } });
  const owners = (label: string, n = CALLS) => {
    const batch = randomBytes(3).toString("hex");
    return Array.from({ length: n }, (_, i) => `${label}-${batch}-${i}`);
  };
  const settled = () => waitUntil("no call in flight", () => server.inFlight === 0, 30_000, 10);
  /** The server's log line of the call whose request id is `owner` (calls below send it as their id). */
  const logOf = (owner: string) => records.records.find((r) => r.message === "call served" && r.fields["requestId"] === owner);

  it.skipIf(skip !== undefined)("a unary call that writes and runs past its deadline commits nothing", async () => {
    const texts = owners("deadline");
    const errors = await Promise.all(
      texts.map((text) => echo.echo({ text, delayMs: LINGER_MS }, { timeoutMs: SHORT_DEADLINE_MS, metadata: { [REQUEST_ID_KEY]: text } }).then(() => undefined, (e: unknown) => e)),
    );
    await settled();
    expect(errors.map(codeOf)).toEqual(texts.map(() => Code.DeadlineExceeded));
    expect(await notes(texts)).toBe(0);
    expect(handler.starts.filter((s) => texts.includes(s.owner) && s.startedDead)).toEqual([]);
    for (const text of texts) {
      // On SQLite (one connection) only the first call starts; the others expire waiting for it.
      if (handler.starts.some((s) => s.owner === text)) expect(codeOf(handler.signalOf(text).reason), text).toBe(Code.DeadlineExceeded);
      expect(logOf(text)?.fields, text).toMatchObject({ code: "DEADLINE_EXCEEDED", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    }
  });

  it.skipIf(skip !== undefined)("a unary call the client aborts commits nothing", async () => {
    const texts = owners("abort");
    const errors = await Promise.all(
      texts.map((text) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), CLIENT_ABORT_MS);
        return echo.echo({ text, delayMs: LINGER_MS }, { signal: controller.signal, metadata: { [REQUEST_ID_KEY]: text } }).then(() => undefined, (e: unknown) => e);
      }),
    );
    await settled();
    expect(errors.map(codeOf)).toEqual(texts.map(() => Code.Canceled));
    expect(await notes(texts)).toBe(0);
    expect(handler.starts.filter((s) => texts.includes(s.owner) && s.startedDead)).toEqual([]);
    for (const text of texts) {
      if (handler.starts.some((s) => s.owner === text)) expect(codeOf(handler.signalOf(text).reason), text).toBe(Code.Canceled);
      expect(logOf(text)?.fields, text).toMatchObject({ code: "CANCELED", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    }
  });

  it.skipIf(skip !== undefined)("a server stream whose deadline passes after its last message rolls back", async () => {
    const streams = owners("stream-deadline", 3);
    const outcomes = await Promise.all(
      streams.map(async (owner) => {
        const values: number[] = [];
        try {
          for await (const { value } of echo.count({ n: 3, delayMs: LINGER_MS }, { timeoutMs: SHORT_DEADLINE_MS, metadata: { [OWNER_HEADER]: owner, [REQUEST_ID_KEY]: owner } })) {
            values.push(value);
          }
          return { values, error: undefined };
        } catch (error) {
          return { values, error };
        }
      }),
    );
    await settled();
    for (const { error } of outcomes) expect(codeOf(error)).toBe(Code.DeadlineExceeded);
    expect(await notes(streams)).toBe(0);
    for (const owner of streams) {
      if (handler.starts.some((s) => s.owner === owner)) expect(codeOf(handler.signalOf(owner).reason), owner).toBe(Code.DeadlineExceeded);
      expect(logOf(owner)?.fields, owner).toMatchObject({ code: "DEADLINE_EXCEEDED", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    }
  });

  it.skipIf(skip !== undefined)("a server stream whose client went away rolls back", async () => {
    const [owner] = owners("stream-gone", 1) as [string];
    const values: number[] = [];
    for await (const { value } of echo.count({ n: 3, delayMs: LINGER_MS }, { metadata: { [OWNER_HEADER]: owner, [REQUEST_ID_KEY]: owner } })) {
      values.push(value);
      if (values.length === 2) break;
    }
    await settled();
    expect(values).toEqual([1, 2]);
    expect(await notes([owner])).toBe(0);
    expect(codeOf(handler.signalOf(owner).reason)).toBe(Code.Canceled);
    expect(logOf(owner)?.fields).toMatchObject({ code: "CANCELED", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });

  it.skipIf(skip !== undefined)("calls that expire while queueing for a pooled connection never start, and none that failed commits", async () => {
    // A database of its own with the pool size of the case.
    const pooled = await Database.open({ url: db.url, entities: [NoteSchema], logger: silentLogger, pool: { min: 0, max: queued.pool } });
    const queueHandler = new LingeringNotesHandler();
    const queueServer = new KledServer({ logger: silentLogger, middleware: [transactionMiddleware(pooled)] });
    registerEchoServiceHandler(queueServer, queueHandler);
    const queueClient = createEchoServiceClient(client, { address: await queueServer.listen() });
    try {
      // Connections made before the measured calls, so that they queue in steady batches.
      await Promise.all(owners("warm-up", queued.pool).map((text) => queueClient.echo({ text })));
      const texts = owners("queued", queued.calls);
      const outcomes = await Promise.all(
        texts.map((text) =>
          queueClient.echo({ text, delayMs: HOLD_MS }, { timeoutMs: QUEUE_DEADLINE_MS }).then(
            () => ({ text, error: undefined }),
            (error: unknown) => ({ text, error }),
          ),
        ),
      );
      await waitUntil("no queued call in flight", () => queueServer.inFlight === 0, 60_000, 10);
      const failed = outcomes.filter((o) => o.error !== undefined).map((o) => o.text);
      const served = outcomes.filter((o) => o.error === undefined).map((o) => o.text);
      for (const { error } of outcomes.filter((o) => o.error !== undefined)) expect(codeOf(error)).toBe(Code.DeadlineExceeded);
      // The case needs both outcomes to say anything.
      expect(failed.length).toBeGreaterThan(0);
      expect(served.length).toBeGreaterThan(0);
      const outcome = {
        failed: failed.length,
        rowsCommittedByFailed: await notes(failed),
        handlersStartedAfterTheCallWasOver: queueHandler.starts.filter((s) => s.startedDead).length,
      };
      expect(outcome).toEqual({ failed: failed.length, rowsCommittedByFailed: 0, handlersStartedAfterTheCallWasOver: 0 });
      expect(await notes(served)).toBe(served.length * NOTES_PER_ECHO);
    } finally {
      await queueServer.shutdown(0);
      await pooled.close();
    }
  }, 120_000);

  it.skipIf(skip !== undefined)("a broker delivery abandoned at the drain timeout rolls back", async () => {
    const broker = new MemoryBroker({ logger: silentLogger, drainTimeoutMs: 20 });
    const topic = defineTopic(EchoRequestSchema, `kled.test.abandoned-${randomBytes(3).toString("hex")}`);
    const [owner] = owners("abandoned", 1) as [string];
    let scope: TransactionScope | undefined;
    let signal: AbortSignal | undefined;
    await broker.subscribe(
      topic,
      transactionalHandler(db.database, async (message, delivery, own) => {
        scope = own;
        signal = delivery.signal;
        own.em.create(NoteSchema, { owner: message.text, text: "delivery" });
        await own.em.flush();
        // Keeps working past the drain time, ignoring the delivery's signal.
        await sleep(LINGER_MS);
      }),
    );
    await broker.publish(topic, { text: owner });
    await waitUntil("the delivery started", () => scope !== undefined, 10_000, 5);
    await broker.close();
    await waitUntil("the delivery's transaction ended", () => scope?.state !== "open", 10_000, 10);
    expect(signal?.aborted).toBe(true);
    expect(scope?.state).toBe("rolled back");
    expect(await notes([owner])).toBe(0);
  });

  it.skipIf(skip !== undefined)("a call the server aborts at shutdown commits nothing", async () => {
    const shutdownHandler = new LingeringNotesHandler();
    const shutdownServer = new KledServer({ logger: silentLogger, middleware: [transactionMiddleware(db.database)] });
    registerEchoServiceHandler(shutdownServer, shutdownHandler);
    const shutdownClient = createEchoServiceClient(client, { address: await shutdownServer.listen() });
    const [text] = owners("shutdown", 1) as [string];
    const call = shutdownClient.echo({ text, delayMs: LINGER_MS }).then(() => undefined, (e: unknown) => e);
    await waitUntil("the handler started", () => shutdownHandler.starts.length === 1, 10_000, 5);
    await shutdownServer.shutdown(10);
    await call;
    // The handler lingers on after the server stopped waiting; its transaction ends when it does.
    await waitUntil("the transaction ended", () => shutdownServer.inFlight === 0, 10_000, 10);
    expect(await notes([text])).toBe(0);
    expect(codeOf(shutdownHandler.signalOf(text).reason)).toBe(Code.Unavailable);
  });
});
