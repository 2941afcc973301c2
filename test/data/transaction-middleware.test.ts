import { randomBytes } from "node:crypto";
import { Code, defineTopic, KledClient, KledServer, MemoryBroker, silentLogger, type HandlerContext } from "@kled/runtime";
import { dataOf, transactionalHandler, transactionMiddleware, withTransaction } from "@kled/runtime/mikro-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler, type EchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";
import { rejection } from "../auth/support/auth-harness.js";
import { requirePostgres } from "../support/services.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";
import { NoteSchema, NotesHandler } from "./support/notes.js";

const postgres = await requirePostgres();

/** Concurrent calls in the isolation test. */
const CONCURRENT_CALLS = 200;

describe.each([
  { name: "SQLite", url: undefined, skip: undefined },
  { name: "PostgreSQL", url: postgres.url, skip: postgres.skip },
])("transactionMiddleware on $name", ({ url, skip }) => {
  let db: TestDatabase;
  let server: KledServer;
  let client: KledClient;
  let echo: EchoServiceClient;
  let handler: NotesHandler;

  beforeAll(async () => {
    if (skip !== undefined) return;
    db = await openTestDatabase([NoteSchema], url);
    handler = new NotesHandler();
    server = new KledServer({
      logger: silentLogger,
      // Sum runs without a transaction: the filter leaves it out.
      middleware: [transactionMiddleware(db.database, { methods: (method) => method.name !== "Sum" })],
    });
    registerEchoServiceHandler(server, handler);
    const address = await server.listen();
    client = new KledClient({ resilience: false });
    echo = createEchoServiceClient(client, { address });
  });
  afterAll(async () => {
    await client?.close();
    await server?.shutdown(0);
    await db?.cleanup();
  });

  const notes = (owner?: string) => db.database.fork().count(NoteSchema, owner === undefined ? {} : { owner });

  it.skipIf(skip !== undefined)("commits what a successful handler wrote", async () => {
    const response = await echo.echo({ text: "committed-1" });
    expect(response.metadata).toEqual({ identityMapBeforeRead: "1", sawOwn: "true" });
    expect(await notes("committed-1")).toBe(1);
    expect(handler.committed).toContain("committed-1");
  });

  it.skipIf(skip !== undefined)("leaves zero rows when the handler writes then throws", async () => {
    const business = await rejection(echo.echo({ text: "thrower-1", failCode: Code.FailedPrecondition }));
    expect(business.code).toBe(Code.FailedPrecondition);
    const bug = await rejection(echo.echo({ text: "thrower-2", failCode: Code.Internal }));
    expect(bug.code).toBe(Code.Internal);
    expect(await notes("thrower-1")).toBe(0);
    expect(await notes("thrower-2")).toBe(0);
    expect(handler.committed).not.toContain("thrower-1");
  });

  it.skipIf(skip !== undefined)(`gives each of ${CONCURRENT_CALLS} concurrent calls its own transaction`, async () => {
    const batch = randomBytes(3).toString("hex");
    const owners = Array.from({ length: CONCURRENT_CALLS }, (_, i) => `${batch}-${i % 2 === 0 ? "ok" : "fail"}-${i}`);
    for (const owner of owners) if (owner.includes("-fail-")) handler.failing.add(owner);
    const before = await notes();
    const outcomes = await Promise.all(
      owners.map((owner) =>
        echo
          .echo({ text: owner, delayMs: 2, failCode: owner.includes("-fail-") ? Code.Aborted : 0 }, { timeoutMs: 60_000 })
          .then((response) => ({ owner, response, error: undefined }), (error: unknown) => ({ owner, response: undefined, error })),
      ),
    );
    for (const { owner, response, error } of outcomes) {
      if (owner.includes("-fail-")) {
        expect(error, owner).toMatchObject({ code: Code.Aborted });
      } else {
        expect(error, owner).toBeUndefined();
        // Its own write, and nothing else, in its unit of work; and its own write visible to itself.
        expect(response?.metadata, owner).toEqual({ identityMapBeforeRead: "1", sawOwn: "true" });
      }
    }
    expect(handler.dirtyReads, "calls saw rows of other calls that rolled back").toEqual([]);
    expect((await notes()) - before).toBe(CONCURRENT_CALLS / 2);
    const stored = await db.database.fork().find(NoteSchema, { owner: { $like: `${batch}-%` } });
    expect(stored.every((note) => note.owner.includes("-ok-"))).toBe(true);
  });

  it.skipIf(skip !== undefined)("commits a streaming call after its last message, and rolls back one that fails", async () => {
    const values: number[] = [];
    for await (const { value } of echo.count({ n: 4, delayMs: 1 })) values.push(value);
    expect(values).toEqual([1, 2, 3, 4]);
    expect(await notes("count-1")).toBe(4);

    const failing = (async () => {
      for await (const _ of echo.count({ n: 101, delayMs: 2 })) void _;
    })();
    expect((await rejection(failing)).code).toBe(Code.Aborted);
    expect(await notes("count-2")).toBe(0);
  });

  it.skipIf(skip !== undefined)("rolls back a streaming call the client cancels", async () => {
    const controller = new AbortController();
    const received: number[] = [];
    const reading = (async () => {
      for await (const { value } of echo.count({ n: 50, delayMs: 20 }, { signal: controller.signal })) {
        received.push(value);
        if (value === 2) controller.abort();
      }
    })();
    expect((await rejection(reading)).code).toBe(Code.Canceled);
    const deadline = Date.now() + 5_000;
    while (server.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.inFlight).toBe(0);
    expect(await notes("count-20")).toBe(0);
  });

  it.skipIf(skip !== undefined)("runs methods left out by the filter without a transaction", async () => {
    async function* one() {
      yield { value: 1n };
    }
    expect((await echo.sum(one())).total).toBe(1n);
    const context = { method: { path: "/kled.test.v1.EchoService/Sum" } } as HandlerContext;
    expect(() => dataOf(context)).toThrow(/runs without a transaction; add transactionMiddleware\(database\)/);
  });

  it.skipIf(skip !== undefined)("runs broker subscribers in a transaction each, redelivering after a rollback", async () => {
    const broker = new MemoryBroker({ logger: silentLogger });
    const topic = defineTopic(EchoRequestSchema, `kled.test.notes-${randomBytes(3).toString("hex")}`);
    let attempts = 0;
    const handled = new Promise<void>((resolve) => {
      void broker.subscribe(
        topic,
        transactionalHandler(db.database, async (message, delivery, { em }) => {
          attempts++;
          em.create(NoteSchema, { owner: message.text, text: `delivery ${delivery.deliveryCount}` });
          await em.flush();
          if (delivery.deliveryCount === 1) throw new Error("first delivery fails after writing");
          resolve();
        }),
      );
    });
    await broker.publish(topic, { text: "subscriber-1" });
    await Promise.race([handled, new Promise((_, reject) => setTimeout(() => reject(new Error("not handled in 5 s")), 5_000))]);
    await broker.close();
    expect(attempts).toBe(2);
    const stored = await db.database.fork().find(NoteSchema, { owner: "subscriber-1" });
    expect(stored.map((n) => n.text)).toEqual(["delivery 2"]);
  });

  it.skipIf(skip !== undefined)("withTransaction commits or rolls back around its work, and runs afterCommit hooks only on commit", async () => {
    const events: string[] = [];
    await withTransaction(db.database, async (scope) => {
      scope.em.create(NoteSchema, { owner: "with-1", text: "x" });
      scope.afterCommit(() => {
        events.push("committed");
      });
    });
    await expect(
      withTransaction(db.database, async (scope) => {
        scope.em.create(NoteSchema, { owner: "with-2", text: "x" });
        await scope.em.flush();
        scope.afterCommit(() => {
          events.push("must not run");
        });
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(events).toEqual(["committed"]);
    expect(await notes("with-1")).toBe(1);
    expect(await notes("with-2")).toBe(0);
  });
});
