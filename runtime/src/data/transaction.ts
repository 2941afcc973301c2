import type { EntityManager } from "@mikro-orm/core";
import type { MaybePromise } from "../definition/async-types.js";
import { messageOf } from "../errors/message-of.js";
import type { Database } from "./database.js";
import { runInScope } from "./current-transaction.js";
import type { TransactionScope } from "./transaction-scope.js";

/**
 * A transaction begun on a fresh fork, ended by exactly one of
 * {@link commit} or {@link rollback}. Internal: work uses
 * {@link withTransaction} or transactionMiddleware, which end it for you.
 */
export class Transaction implements TransactionScope {
  state: TransactionScope["state"] = "open";
  readonly #hooks: Array<() => MaybePromise<void>> = [];

  private constructor(
    readonly em: EntityManager,
    readonly database: Database,
  ) {}

  static async begin(database: Database): Promise<Transaction> {
    const em = database.orm.em.fork({ clear: true, useContext: false });
    await em.begin();
    return new Transaction(em, database);
  }

  afterCommit(hook: () => MaybePromise<void>): void {
    if (this.state !== "open") {
      throw new Error(`afterCommit: the transaction has already ${this.state}; add hooks while its work runs`);
    }
    this.#hooks.push(hook);
  }

  /** Runs `fn` with this transaction as the current one (see currentTransaction). */
  run<T>(fn: () => T): T {
    return runInScope(this, fn);
  }

  /** Flushes and commits, then runs the afterCommit hooks. A failed commit rolls back and throws. */
  async commit(): Promise<void> {
    this.#assertOpen("commit");
    try {
      await this.em.commit();
    } catch (error) {
      await this.rollback(error);
      throw error;
    }
    this.state = "committed";
    for (const hook of this.#hooks.splice(0)) {
      try {
        await hook();
      } catch (error) {
        this.database.logger.error("an afterCommit hook failed; the transaction stays committed", { error: messageOf(error) });
      }
    }
  }

  /** Rolls back; never throws (a connection that died has rolled back already). */
  async rollback(reason?: unknown): Promise<void> {
    if (this.state !== "open") return;
    this.state = "rolled back";
    this.#hooks.length = 0;
    try {
      await this.em.rollback();
    } catch (error) {
      this.database.logger.warn("rollback failed; the server rolls the transaction back when the connection closes", {
        error: messageOf(error),
        reason: reason === undefined ? undefined : messageOf(reason),
      });
    }
  }

  #assertOpen(action: string): void {
    if (this.state !== "open") throw new Error(`cannot ${action}: the transaction has already ${this.state}`);
  }
}

/**
 * Runs `work` in a new transaction on its own fork: commits when it
 * resolves, rolls back and rethrows when it rejects. For work outside a
 * served call: broker subscribers (see transactionalHandler), background
 * jobs, scripts. Inside `work`, {@link currentTransaction} returns the scope.
 */
export async function withTransaction<T>(database: Database, work: (scope: TransactionScope) => Promise<T>): Promise<T> {
  const transaction = await Transaction.begin(database);
  let result: T;
  try {
    result = await transaction.run(() => work(transaction));
  } catch (error) {
    await transaction.rollback(error);
    throw error;
  }
  await transaction.commit();
  return result;
}
