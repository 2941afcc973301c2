/**
 * The data server middleware: every call it covers runs in its own database
 * transaction on its own forked EntityManager, reached with
 * `dataOf(context)` (or `currentTransaction()`).
 *
 * When the transaction ends:
 * - unary and client-streaming methods: it commits after the handler
 *   returns and before the response is sent; a failed commit fails the call;
 * - server-streaming and bidi methods: it stays open while the handler
 *   streams and commits after the last message, before the status; a
 *   failed commit ends the stream with an error status, so clients must
 *   treat streamed messages as provisional until the OK status;
 * - any error, a cancelled call, or a client that stops reading early:
 *   rollback.
 *
 * A call that is no longer live never commits, whether or not its handler
 * noticed: the call's liveness (cancelled by the client, past its deadline
 * by the clock, aborted by shutdown or a closed connection) is checked
 * before BEGIN, after BEGIN (which may wait for a pooled connection: a call
 * that expired meanwhile never runs its handler), and right before COMMIT;
 * a call that ended early rolls back and fails with why it ended.
 *
 * A streaming call holds its transaction (and a pooled connection; SQLite
 * has one) as long as it streams, so leave long-lived streams out with the
 * `methods` filter and let them read through `database.fork()`. Middleware
 * outside this one must iterate (or `return()`) a response stream it gets,
 * as the server does: the transaction ends when the stream does.
 *
 * On SQLite (one connection), code inside a call's transaction must not
 * open a second one (withTransaction, or queries on `database.fork()`): it
 * would wait for the connection the call holds. Stores that use
 * currentTransaction() join the call's transaction instead.
 */
import type { Message } from "@bufbuild/protobuf";
import type { MethodDefinition } from "../definition/service-definition.js";
import { stopReasonOf } from "../server/call-context.js";
import type { ServerMiddleware } from "../server/middleware.js";
import { bindToCall } from "./current-transaction.js";
import type { Database } from "./database.js";
import { Transaction } from "./transaction.js";

/** Options of {@link transactionMiddleware}. */
export interface TransactionMiddlewareOptions {
  /** The methods that run in a transaction. Default: all. */
  readonly methods?: (method: MethodDefinition) => boolean;
}

/** A transaction per call; see the module comment for when it commits. */
export function transactionMiddleware(database: Database, options: TransactionMiddlewareOptions = {}): ServerMiddleware {
  return (next) => async (request) => {
    if (options.methods !== undefined && !options.methods(request.method)) return next(request);
    const transaction = await Transaction.begin(database, () => stopReasonOf(request.context));
    bindToCall(request.context, transaction);
    let response: Awaited<ReturnType<typeof next>>;
    try {
      response = await transaction.run(() => next(request));
    } catch (error) {
      await transaction.rollback(error);
      throw error;
    }
    if (!response.stream) {
      await transaction.commit();
      return response;
    }
    return { stream: true, messages: commitAtEnd(transaction, response.messages) };
  };
}

/** Passes the messages on, each produced inside the transaction; commits after the last. */
async function* commitAtEnd(transaction: Transaction, messages: AsyncIterable<Message>): AsyncGenerator<Message> {
  const iterator = messages[Symbol.asyncIterator]();
  let ended: "done" | "failed" | "stopped" = "stopped";
  try {
    for (;;) {
      let result: IteratorResult<Message>;
      try {
        result = await transaction.run(() => iterator.next());
      } catch (error) {
        ended = "failed";
        throw error;
      }
      if (result.done === true) {
        ended = "done";
        break;
      }
      yield result.value;
    }
  } finally {
    if (ended === "done") {
      await transaction.commit();
    } else {
      // The consumer stopped early: end the handler's generator too, then undo its work.
      if (ended === "stopped") await iterator.return?.();
      await transaction.rollback();
    }
  }
}
