import type { EntityManager } from "@mikro-orm/core";
import type { MaybePromise } from "../definition/async-types.js";
import type { Database } from "./database.js";

/**
 * One unit of work: a forked EntityManager whose every query runs inside one
 * database transaction. It commits when the work succeeds and rolls back
 * when it throws.
 */
export interface TransactionScope {
  /** The transaction's EntityManager; `persist`ed changes are flushed on commit. */
  readonly em: EntityManager;
  readonly database: Database;
  /** `open` while the work runs, then how it ended. */
  readonly state: "open" | "committed" | "rolled back";
  /**
   * Runs `hook` after the transaction commits, in the order added; never when
   * it rolls back. The place for effects that must not happen for work that
   * is undone: starting background jobs, waking relays, notifying in-process
   * listeners. A failing hook is logged; the commit stands.
   */
  afterCommit(hook: () => MaybePromise<void>): void;
}
