import { type Broker, type Logger, type ServerMiddleware } from "@kled/runtime";
import { Database, Outbox, OutboxMessageSchema, OutboxRelay, transactionMiddleware } from "@kled/runtime/mikro-orm";
import { TaskEventTopic } from "../gen/kled/agent/v1/agent_kled.js";
import { MikroOrmPushConfigStore } from "./mikro-orm-push-config-store.js";
import { MikroOrmTaskStore } from "./mikro-orm-task-store.js";
import { PushConfigRecordSchema, TaskEventRecordSchema, TaskRecordSchema } from "./task-entities.js";

/**
 * The A2A method that runs without a call transaction: a blocking
 * SendMessage waits for the task while the runner writes, which it could
 * not do behind a transaction the call holds (SQLite has one connection).
 * Its writes open their own, which still never commit once the call is
 * cancelled (withTransaction inside a call).
 */
const SEND_MESSAGE_PATH = "/lf.a2a.v1.A2AService/SendMessage";

/** The agent's database side: its stores, the middleware that gives calls a transaction, and the outbox relay. */
export interface AgentPersistence {
  readonly database: Database;
  readonly store: MikroOrmTaskStore;
  readonly pushConfigs: MikroOrmPushConfigStore;
  /** A transaction per unary call but SendMessage; streams read without holding one. */
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
    entities: [TaskRecordSchema, TaskEventRecordSchema, PushConfigRecordSchema, OutboxMessageSchema],
    logger: options.logger,
    ...(options.url === undefined ? {} : { url: options.url }),
  });
  await database.ensureSchema();
  const relay = new OutboxRelay({ database, broker: options.broker, topics: [TaskEventTopic] }).start();
  return {
    database,
    store: new MikroOrmTaskStore(database, options.outbox ?? new Outbox()),
    pushConfigs: new MikroOrmPushConfigStore(database),
    middleware: transactionMiddleware(database, { methods: (method) => method.kind === "unary" && method.path !== SEND_MESSAGE_PATH }),
    relay,
    async close() {
      await relay.stop();
      await database.close();
    },
  };
}
