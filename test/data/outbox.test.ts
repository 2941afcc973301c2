import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { KledClient, KledServer, MemoryBroker, silentLogger, type Broker, type Delivery, type HandlerContext } from "@kled/runtime";
import { Database, dataOf, OUTBOX_ID_HEADER, Outbox, OutboxMessageSchema, OutboxRelay, transactionMiddleware, withTransaction } from "@kled/runtime/mikro-orm";
import { RedisBroker } from "@kled/runtime/redis";
import { LockMode } from "@mikro-orm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import type { EchoRequest } from "../gen/kled/test/v1/echo_pb.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { rejection } from "../auth/support/auth-harness.js";
import { requirePostgres, requireRedis } from "../support/services.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";
import { NoteSchema } from "./support/notes.js";
import { outboxTopic } from "./support/outbox-topics.js";

const [postgres, redis] = await Promise.all([requirePostgres(), requireRedis()]);
const CHILD = fileURLToPath(new URL("./fixtures/commit-and-die.ts", import.meta.url));
/** Starting Node with tsx and opening a database takes a second or two; allow for a loaded machine. */
const CHILD_TIMEOUT_MS = 20_000;
/** The longest a relayed event may take to arrive in these tests, in milliseconds. */
const DELIVERY_TIMEOUT_MS = 5_000;

interface Received {
  text: string;
  delivery: Delivery;
}

/** Subscribes to `topic` and collects what arrives. */
async function collect(broker: Broker, topic: ReturnType<typeof outboxTopic>): Promise<Received[]> {
  const received: Received[] = [];
  await broker.subscribe(topic, (message, delivery) => {
    received.push({ text: message.text, delivery });
  });
  return received;
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each([
  { name: "SQLite", url: undefined, skip: undefined },
  { name: "PostgreSQL", url: postgres.url, skip: postgres.skip },
])("transactional outbox on $name", ({ url, skip }) => {
  let db: TestDatabase;
  const outbox = new Outbox();
  const suffix = randomBytes(4).toString("hex");
  const topic = outboxTopic(suffix);
  const rows = () => db.database.fork().count(OutboxMessageSchema, { topic: topic.name });

  beforeAll(async () => {
    if (skip === undefined) db = await openTestDatabase([NoteSchema, OutboxMessageSchema], url);
  });
  afterAll(() => db?.cleanup());

  it.skipIf(skip !== undefined)("publishes committed events in order, with topic, content type, payload and headers, then removes them", async () => {
    const broker = new MemoryBroker({ logger: silentLogger });
    const received = await collect(broker, topic);
    const relay = new OutboxRelay({ database: db.database, broker, topics: [topic], pollIntervalMs: 60_000 }).start();
    try {
      await withTransaction(db.database, async ({ em }) => {
        for (const text of ["one", "two", "three"]) await outbox.publish(em, topic, { text }, { headers: { step: text } });
        await outbox.publish(em, topic, { text: "four" }, { codec: "json" });
      });
      // The commit woke the relay; the poll interval (a minute) did not.
      await until(() => received.length === 4, "four events");
      expect(received.map((r) => r.text)).toEqual(["one", "two", "three", "four"]);
      expect(received.map((r) => r.delivery.contentType)).toEqual([
        "application/x-protobuf",
        "application/x-protobuf",
        "application/x-protobuf",
        "application/json",
      ]);
      expect(received[0]?.delivery.headers).toMatchObject({ step: "one", [OUTBOX_ID_HEADER]: expect.stringMatching(/^\d+$/) });
      await until(async () => (await rows()) === 0, "outbox emptied");
    } finally {
      await relay.stop();
      await broker.close();
    }
  });

  it.skipIf(skip !== undefined)("publishes nothing for a rolled-back transaction, from a handler or withTransaction", async () => {
    const broker = new MemoryBroker({ logger: silentLogger });
    const received = await collect(broker, topic);
    const relay = new OutboxRelay({ database: db.database, broker, topics: [topic], pollIntervalMs: 20 }).start();
    const server = new KledServer({ logger: silentLogger, middleware: [transactionMiddleware(db.database)] });
    const handler = new EchoHandler();
    handler.onEcho = async (request: EchoRequest, context: HandlerContext) => {
      await outbox.publish(dataOf(context).em, topic, { text: request.text });
      if (request.text.startsWith("undo")) throw new Error("roll back after publishing");
      return {};
    };
    registerEchoServiceHandler(server, handler);
    const client = new KledClient({ resilience: false });
    try {
      const echo = createEchoServiceClient(client, { address: await server.listen() });
      await rejection(echo.echo({ text: "undo-1" }));
      await expect(withTransaction(db.database, async ({ em }) => {
        await outbox.publish(em, topic, { text: "undo-2" });
        throw new Error("undo");
      })).rejects.toThrow("undo");
      await echo.echo({ text: "kept" });
      await until(() => received.length >= 1, "the committed event");
      // The relay has polled many times since; nothing else may come.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received.map((r) => r.text)).toEqual(["kept"]);
      expect(await rows()).toBe(0);
    } finally {
      await client.close();
      await server.shutdown(0);
      await relay.stop();
      await broker.close();
    }
  });

  it.skipIf(skip !== undefined)("refuses to write outside a transaction", async () => {
    await expect(outbox.publish(db.database.fork(), topic, { text: "loose" })).rejects.toThrow(/not in a transaction/);
  });

  it.skipIf(skip !== undefined)("keeps rows it cannot publish and retries them", async () => {
    let failures = 2;
    const inner = new MemoryBroker({ logger: silentLogger });
    const received = await collect(inner, topic);
    const flaky: Broker = {
      name: "flaky",
      publish: (t, m, o) => (failures-- > 0 ? Promise.reject(new Error("broker down")) : inner.publish(t, m, o)),
      subscribe: (t, h, o) => inner.subscribe(t, h, o),
      close: () => inner.close(),
    };
    const relay = new OutboxRelay({ database: db.database, broker: flaky, topics: [topic], pollIntervalMs: 20, logger: silentLogger });
    try {
      await withTransaction(db.database, async ({ em }) => {
        await outbox.publish(em, topic, { text: "retry-a" });
        await outbox.publish(em, topic, { text: "retry-b" });
      });
      expect(await relay.relayOnce()).toMatchObject({ published: 0, error: expect.any(Error) });
      expect(await rows()).toBe(2);
      relay.start();
      await until(() => received.length === 2, "both events after the broker recovered");
      expect(received.map((r) => r.text)).toEqual(["retry-a", "retry-b"]);
    } finally {
      await relay.stop();
      await inner.close();
    }
  });

  it.skipIf(skip !== undefined)("delivers an event committed by a process killed before its relay ran", async () => {
    const text = `crash-${randomBytes(3).toString("hex")}`;
    const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", CHILD, db.url, suffix, text], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exit = await new Promise<NodeJS.Signals | number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the child did not exit within ${CHILD_TIMEOUT_MS} ms: ${output}`));
      }, CHILD_TIMEOUT_MS);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        resolve(signal ?? code);
      });
    });
    expect(exit, output).toBe("SIGKILL");
    expect(output).toContain("committed");
    // The commit survived the crash, and so did its event.
    expect(await db.database.fork().count(NoteSchema, { owner: text })).toBe(1);
    expect(await rows()).toBe(1);

    // "Restart": a new process would open the database again and start a relay.
    const reopened = await Database.open({ url: db.url, entities: [NoteSchema, OutboxMessageSchema], logger: silentLogger });
    const broker = new MemoryBroker({ logger: silentLogger });
    const received = await collect(broker, topic);
    const relay = new OutboxRelay({ database: reopened, broker, topics: [topic] }).start();
    try {
      await until(() => received.length === 1, "the event of the crashed process");
      expect(received[0]?.text).toBe(text);
      expect(received[0]?.delivery.headers["origin"]).toBe("child");
      await until(async () => (await rows()) === 0, "outbox emptied");
    } finally {
      await relay.stop();
      await broker.close();
      await reopened.close();
    }
  }, 30_000);
});

describe.skipIf(postgres.skip !== undefined || redis.skip !== undefined)("several relays on one PostgreSQL outbox, publishing to Redis", () => {
  let db: TestDatabase;
  const outbox = new Outbox();
  beforeAll(async () => {
    db = await openTestDatabase([OutboxMessageSchema], postgres.url);
  });
  afterAll(() => db?.cleanup());

  it("a pass publishes only the rows before one another relay holds, however the locks interleaved", async () => {
    // Two relays locking at the same moment can each get rows on both sides of
    // the other's; here another transaction holds the third row while a relay passes.
    const topic = outboxTopic(randomBytes(4).toString("hex"));
    await withTransaction(db.database, async ({ em }) => {
      for (let i = 0; i < 6; i++) await outbox.publish(em, topic, { text: String(i) });
    });
    const ids = (await db.database.fork().find(OutboxMessageSchema, { topic: topic.name }, { orderBy: { id: "asc" } })).map((row) => row.id);
    const broker = new MemoryBroker({ logger: silentLogger });
    const received = await collect(broker, topic);
    const other = await Database.open({ url: db.url, entities: [OutboxMessageSchema], logger: silentLogger });
    const relay = new OutboxRelay({ database: db.database, broker, topics: [topic], batchSize: 10, pollIntervalMs: 60_000, logger: silentLogger });
    try {
      const pass = await withTransaction(other, async ({ em }) => {
        await em.find(OutboxMessageSchema, { id: ids[2] as number }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        return relay.relayOnce();
      });
      expect(pass).toEqual({ published: 2 });
      expect(received.map((r) => r.text)).toEqual(["0", "1"]);
      expect(await relay.relayOnce()).toEqual({ published: 4 });
      expect(received.map((r) => r.text)).toEqual(["0", "1", "2", "3", "4", "5"]);
    } finally {
      await other.close();
    }
  });

  it("publishes every row once, in order, however many relays run", async () => {
    const topic = outboxTopic(randomBytes(4).toString("hex"));
    const total = 300;
    for (let start = 0; start < total; start += 50) {
      await withTransaction(db.database, async ({ em }) => {
        for (let i = start; i < start + 50; i++) await outbox.publish(em, topic, { text: String(i) });
      });
    }
    const brokers = [0, 1, 2].map(() => new RedisBroker({ url: redis.url, logger: silentLogger }));
    const consumer = new RedisBroker({ url: redis.url, logger: silentLogger });
    const received = await collect(consumer, topic);
    // Each relay its own database connection pool, as separate processes would have.
    const databases = await Promise.all(brokers.map(() => Database.open({ url: db.url, entities: [OutboxMessageSchema], logger: silentLogger })));
    const relays = brokers.map((broker, i) =>
      new OutboxRelay({ database: databases[i] as Database, broker, topics: [topic], batchSize: 7, pollIntervalMs: 5, logger: silentLogger }).start(),
    );
    try {
      await until(() => received.length >= total, `${total} events`, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 200)); // time for any duplicate to show up
      expect(received.length).toBe(total);
      expect(received.map((r) => Number(r.text))).toEqual(Array.from({ length: total }, (_, i) => i));
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all([...brokers, consumer].map((broker) => broker.close()));
      await Promise.all(databases.map((database) => database.close()));
    }
  }, 40_000);
});
