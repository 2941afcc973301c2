import type { EntityManager, EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import { LockMode } from "../peers/mikro-orm.js";
import type { Topic } from "../broker/topic.js";
import { createCodecs, type Codecs } from "../codec/codecs.js";
import { withTransaction } from "../data/transaction.js";
import { messageOf } from "../errors/message-of.js";
import type { Logger } from "../logging/logger.js";
import { OutboxMessageSchema, type OutboxMessage } from "./outbox-message.js";
import { wroteOutbox } from "./outbox-written.js";
import {
  DEFAULT_RELAY_BATCH_SIZE,
  DEFAULT_RELAY_POLL_INTERVAL_MS,
  OUTBOX_ID_HEADER,
  type OutboxRelayOptions,
} from "./relay-options.js";

/** What one pass did. */
export interface RelayPass {
  /** Rows published and removed from the outbox. */
  readonly published: number;
  /** Why the pass stopped early, if it did: the row it could not publish is tried again later. */
  readonly error?: unknown;
}

/**
 * Publishes committed outbox rows to the broker, oldest first, and deletes
 * them in the same transaction. At least once: a crash after publishing and
 * before the delete commits publishes those rows again (consumers dedupe on
 * the {@link OUTBOX_ID_HEADER} header).
 *
 * Several relays may run on one PostgreSQL database: each pass locks its
 * rows `FOR UPDATE SKIP LOCKED`, so no row is published by two relays, and
 * publishes only its rows that come before any row another relay holds, so
 * that rows go out in id order. SQLite is for one process: its transactions
 * run one at a time, which gives the same guarantees there.
 *
 * Order: rows go out in id order, which is commit order for transactions
 * that follow one another (a transaction that starts after another
 * committed); concurrent transactions' rows may interleave.
 */
export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  readonly #topics: ReadonlyMap<string, Topic>;
  readonly #codecs: Codecs;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #subscriber: EventSubscriber;
  #subscribed = false;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
    this.#topics = new Map(options.topics.map((topic) => [topic.name, topic]));
    this.#codecs = options.codecs ?? createCodecs();
    this.#logger = (options.logger ?? options.database.logger).child({ component: "outbox-relay" });
    this.#batchSize = positive("batchSize", options.batchSize, DEFAULT_RELAY_BATCH_SIZE);
    this.#pollIntervalMs = positive("pollIntervalMs", options.pollIntervalMs, DEFAULT_RELAY_POLL_INTERVAL_MS);
    if (this.#topics.size === 0) throw new Error("outbox relay: no topics; pass the topics it publishes, e.g. [TaskEventTopic]");
    if (!options.database.maps(OutboxMessageSchema)) {
      throw new Error("outbox relay: the outbox table is not mapped; add OutboxMessageSchema to Database.open({ entities })");
    }
    this.#subscriber = {
      afterTransactionCommit: (args: TransactionEventArgs) => {
        if (wroteOutbox(args.em)) this.wake();
      },
    };
  }

  /** Starts relaying: now, after every local commit that wrote to the outbox, and every poll interval. */
  start(): this {
    if (this.#loop !== undefined) return this;
    this.#stopped = false;
    if (!this.#subscribed) {
      // MikroORM has no unregister; a stopped relay's subscriber only sets a flag.
      this.#options.database.orm.em.getEventManager().registerSubscriber(this.#subscriber);
      this.#subscribed = true;
    }
    this.#loop = this.#run();
    return this;
  }

  /** Makes a started relay look for rows now instead of at the next interval. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Stops after the pass in flight; rows left behind wait for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
    this.#loop = undefined;
  }

  /**
   * The backlog: rows of this relay's topics not yet published, per topic
   * (committed rows only; every topic listed, 0 when empty). One count query
   * outside any transaction, for monitoring (`@kled/runtime/otel` reports it
   * as `kled.outbox.backlog`); on PostgreSQL it counts the rows of every
   * relay sharing the table.
   */
  async backlog(): Promise<{ topic: string; rows: number }[]> {
    const em = this.#options.database.orm.em.fork();
    return Promise.all([...this.#topics.keys()].map(async (topic) => ({ topic, rows: await em.count(OutboxMessageSchema, { topic }) })));
  }

  /** One pass: publishes up to `batchSize` rows, in order, and removes them. */
  async relayOnce(): Promise<RelayPass> {
    const { database } = this.#options;
    return withTransaction(database, async ({ em }) => {
      const names = [...this.#topics.keys()];
      const rows = await em.find(
        OutboxMessageSchema,
        { topic: { $in: names } },
        {
          orderBy: { id: "asc" },
          limit: this.#batchSize,
          ...(database.kind === "postgresql" ? { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE } : {}),
        },
      );
      if (rows.length === 0) return { published: 0 };
      const ours = database.kind === "postgresql" ? await this.#leadingRun(em, names, rows) : rows;
      let published = 0;
      let error: unknown;
      for (const row of ours) {
        try {
          await this.#publish(row);
        } catch (cause) {
          error = cause;
          break;
        }
        published++;
      }
      if (published > 0) {
        await em.nativeDelete(OutboxMessageSchema, { id: { $in: ours.slice(0, published).map((row) => row.id) } });
      }
      return error === undefined ? { published } : { published, error };
    });
  }

  /**
   * The rows of `locked` this pass may publish: those before the first row
   * another relay holds. Two relays that lock at the same moment can each
   * get rows on both sides of the other's (SKIP LOCKED passes over a row the
   * other has just taken), so an older row held elsewhere may sit before or
   * between ours; publishing past it would put the stream out of order. The
   * rows we skip stay locked until this transaction ends and are published
   * by a later pass.
   */
  async #leadingRun(em: EntityManager, topics: string[], locked: OutboxMessage[]): Promise<OutboxMessage[]> {
    const last = locked[locked.length - 1] as OutboxMessage;
    const existing = await em.find(
      OutboxMessageSchema,
      { topic: { $in: topics }, id: { $lte: last.id } },
      { orderBy: { id: "asc" }, fields: ["id"], limit: locked.length },
    );
    let run = 0;
    while (run < locked.length && existing[run]?.id === locked[run]?.id) run++;
    return locked.slice(0, run);
  }

  async #publish(row: OutboxMessage): Promise<void> {
    const topic = this.#topics.get(row.topic);
    const codec = this.#codecs.byContentType(row.contentType);
    if (topic === undefined || codec === undefined) {
      throw new Error(`outbox row ${row.id}: cannot publish topic "${row.topic}" with content type "${row.contentType}"`);
    }
    const message = codec.decode(topic.schema, bytesOf(row.payload));
    await this.#options.broker.publish(topic, message, {
      codec: codec.name,
      headers: { ...row.headers, [OUTBOX_ID_HEADER]: String(row.id) },
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      let pass: RelayPass;
      try {
        pass = await this.relayOnce();
      } catch (error) {
        pass = { published: 0, error };
      }
      if (pass.error !== undefined) {
        this.#logger.warn("cannot publish outbox rows; retrying", {
          published: pass.published,
          retryInMs: this.#pollIntervalMs,
          error: messageOf(pass.error),
        });
      } else if (pass.published === this.#batchSize || this.#woken) {
        continue; // more may be waiting
      }
      if (this.#stopped) break;
      await this.#sleep(this.#pollIntervalMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      const wake = (): void => {
        this.#wake = undefined;
        done();
      };
      this.#wake = wake;
    });
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result <= 0) {
    throw new Error(`outbox relay: ${name} ${String(value)} is invalid; use a positive whole number`);
  }
  return result;
}

/** SQLite returns blobs as ArrayBuffer, PostgreSQL as Buffer. */
function bytesOf(payload: Uint8Array | ArrayBuffer): Uint8Array {
  return payload instanceof Uint8Array ? payload : new Uint8Array(payload);
}
