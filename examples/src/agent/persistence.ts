import { type Broker, type Logger, type ServerMiddleware } from "@kled/runtime";
import { Database, Outbox, OutboxMessageSchema, OutboxRelay, transactionMiddleware } from "@kled/runtime/mikro-orm";
import { TaskEventTopic } from "../gen/kled/agent/v1/agent_kled.js";
import { MikroOrmTaskStore } from "./mikro-orm-task-store.js";
import { TaskEventRecordSchema, TaskRecordSchema } from "./task-entities.js";

/** The agent's database side: its task store, the middleware that gives calls a transaction, and the outbox relay. */
export interface AgentPersistence {
  readonly database: Database;
  readonly store: MikroOrmTaskStore;
  /** A transaction per unary call; streams (SubscribeTask) read without holding one. */
  readonly middleware: ServerMiddleware;
  readonly relay: OutboxRelay;
  /** Stops the relay (after its pass in flight) and closes the database. */
  close(): Promise<void>;
}

/**
 * Opens the agent's database (`url`, else KLED_DATABASE_URL, else embedded
 * SQLite in memory), creates its tables, and starts relaying task events
 * from the outbox to `broker` on {@link TaskEventTopic}.
 */
export async function openAgentPersistence(options: {
  broker: Broker;
  logger: Logger;
  url?: string;
  /** Where the store writes task events; default a plain Outbox (the agent process passes a traced one). */
  outbox?: Outbox;
}): Promise<AgentPersistence> {
  const database = await Database.open({
    entities: [TaskRecordSchema, TaskEventRecordSchema, OutboxMessageSchema],
    logger: options.logger,
    ...(options.url === undefined ? {} : { url: options.url }),
  });
  await database.ensureSchema();
  const relay = new OutboxRelay({ database, broker: options.broker, topics: [TaskEventTopic] }).start();
  return {
    database,
    store: new MikroOrmTaskStore(database, options.outbox ?? new Outbox()),
    middleware: transactionMiddleware(database, { methods: (method) => method.kind === "unary" }),
    relay,
    async close() {
      await relay.stop();
      await database.close();
    },
  };
}
