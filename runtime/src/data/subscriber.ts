import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Delivery, MessageHandler } from "../broker/broker.js";
import type { MaybePromise } from "../definition/async-types.js";
import type { Database } from "./database.js";
import { inTransaction } from "./transaction.js";
import type { TransactionScope } from "./transaction-scope.js";

/** A broker handler that also gets its transaction. */
export type TransactionalMessageHandler<Desc extends DescMessage> = (
  message: MessageShape<Desc>,
  delivery: Delivery,
  scope: TransactionScope,
) => MaybePromise<void>;

/**
 * Wraps a broker subscriber so that each delivery runs in its own
 * transaction: committed before the broker acknowledges the message, rolled
 * back when the handler throws, and the message delivered again. Delivery
 * is at least once, so make the handler idempotent (e.g. record handled
 * `delivery.id`s in the same transaction).
 *
 * A delivery whose processing was abandoned (its `delivery.signal` aborted:
 * the subscription closed and its drain time ran out) never commits, even
 * when the handler finishes afterwards: it rolls back, and the message,
 * unacknowledged, is delivered again.
 */
export function transactionalHandler<Desc extends DescMessage>(
  database: Database,
  handler: TransactionalMessageHandler<Desc>,
): MessageHandler<Desc> {
  return (message, delivery) =>
    inTransaction(database, async (scope) => handler(message, delivery, scope), () => abandonedReason(delivery.signal));
}

function abandonedReason(signal: AbortSignal): unknown {
  if (!signal.aborted) return undefined;
  return signal.reason ?? new Error("the delivery was abandoned: its subscription closed before the handler finished");
}
