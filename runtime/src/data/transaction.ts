import type { EntityManager } from "@mikro-orm/core";
import { currentContext } from "../context/current-context.js";
import type { MaybePromise } from "../definition/async-types.js";
import { stopReasonOf } from "../server/call-context.js";
import { messageOf } from "../errors/message-of.js";
import type { Database } from "./database.js";
import { runInScope } from "./current-transaction.js";
import type { TransactionScope } from "./transaction-scope.js";

/**
 * Why the work a transaction serves was abandoned (its call cancelled or
 * past its deadline, its delivery aborted), or undefined while it still
 * counts. Asked before BEGIN, after it, and right before COMMIT.
 */
export type Abandoned = () => unknown;

const NEVER_ABANDONED: Abandoned = () => undefined;

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
    private readonly abandoned: Abandoned,
  ) {}

  /**
   * Begins on a fresh fork, unless the work was abandoned already. Begin may
   * wait long for a pooled connection: work abandoned meanwhile gets it
   * back at once, rolled back, and never runs. Throws the abandon reason.
   */
  static async begin(database: Database, abandoned: Abandoned = NEVER_ABANDONED): Promise<Transaction> {
    throwIfAbandoned(abandoned);
    const em = database.orm.em.fork({ clear: true, useContext: false });
    await em.begin();
    const transaction = new Transaction(em, database, abandoned);
    const reason = abandoned();
    if (reason !== undefined) {
      await transaction.rollback(reason);
      throw reason;
    }
    return transaction;
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

  /**
   * Flushes and commits, then runs the afterCommit hooks. A failed commit
   * rolls back and throws; so does one whose work was abandoned, checked
   * after the flush, right before COMMIT. (Nothing makes COMMIT atomic with
   * that check: work abandoned during the COMMIT round trip stays committed.)
   */
  async commit(): Promise<void> {
    this.#assertOpen("commit");
    try {
      await this.em.flush();
      throwIfAbandoned(this.abandoned);
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
 * resolves, rolls back and rethrows when it rejects. For broker subscribers
 * (see transactionalHandler), background jobs, scripts, and handlers that
 * open their own. Inside `work`, {@link currentTransaction} returns the scope.
 *
 * Started while a served call is in flight (inside its handler, or work the
 * handler started), it belongs to that call: it commits only if the call is
 * still live right before COMMIT, and rolls back (rejecting with the call's
 * CANCELED or DEADLINE_EXCEEDED) once the client gave up.
 */
export function withTransaction<T>(database: Database, work: (scope: TransactionScope) => Promise<T>): Promise<T> {
  const call = currentContext();
  return inTransaction(database, work, call === undefined ? NEVER_ABANDONED : () => stopReasonOf(call));
}

/** {@link withTransaction} for work that `abandoned` says is no longer wanted. Internal. */
export async function inTransaction<T>(
  database: Database,
  work: (scope: TransactionScope) => Promise<T>,
  abandoned: Abandoned,
): Promise<T> {
  const transaction = await Transaction.begin(database, abandoned);
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

function throwIfAbandoned(abandoned: Abandoned): void {
  const reason = abandoned();
  if (reason !== undefined) throw reason;
}
