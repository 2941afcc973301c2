/**
 * Where the transaction of the work at hand is found: by the served call's
 * context ({@link dataOf}, explicit, for handlers) or by async flow
 * ({@link currentTransaction}, for stores and repositories that are not
 * handed the context).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { HandlerContext } from "../context/handler-context.js";
import type { MaybePromise } from "../definition/async-types.js";
import type { TransactionScope } from "./transaction-scope.js";

const storage = new AsyncLocalStorage<TransactionScope>();
const byContext = new WeakMap<HandlerContext, TransactionScope>();

/** Runs `fn` with `scope` as the current transaction of everything it starts. Internal. */
export function runInScope<T>(scope: TransactionScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** Ties `scope` to a served call, for {@link dataOf}. Internal: transactionMiddleware calls it. */
export function bindToCall(context: HandlerContext, scope: TransactionScope): void {
  byContext.set(context, scope);
}

/**
 * The transaction of the call `context` belongs to. Throws when the
 * service has no transactionMiddleware for this method, or when the
 * transaction has ended: work that outlives the call (a background job it
 * started) must open its own with withTransaction.
 */
export function dataOf(context: HandlerContext): TransactionScope {
  const scope = byContext.get(context);
  if (scope === undefined) {
    throw new Error(
      `dataOf: ${context.method.path} runs without a transaction; add transactionMiddleware(database) to the service's middleware (and check its methods filter)`,
    );
  }
  if (scope.state !== "open") {
    throw new Error(
      `dataOf: the transaction of ${context.method.path} has already ${scope.state}; work that outlives the call opens its own with withTransaction(database, …)`,
    );
  }
  return scope;
}

/**
 * The open transaction of the current async flow: the served call's (with
 * transactionMiddleware), or withTransaction's. Undefined outside one, and
 * once it has ended, so that background work started by a call never
 * writes into that call's finished transaction.
 */
export function currentTransaction(): TransactionScope | undefined {
  const scope = storage.getStore();
  return scope?.state === "open" ? scope : undefined;
}

/**
 * Runs `hook` once the current transaction commits, and never if it rolls
 * back; without a current transaction, at once (the work is already
 * durable). Like Django's `transaction.on_commit`.
 */
export async function onCommit(hook: () => MaybePromise<void>): Promise<void> {
  const scope = currentTransaction();
  if (scope === undefined) await hook();
  else scope.afterCommit(hook);
}
