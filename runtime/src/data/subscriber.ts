import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Delivery, MessageHandler } from "../broker/broker.js";
import type { MaybePromise } from "../definition/async-types.js";
import type { Database } from "./database.js";
import { withTransaction } from "./transaction.js";
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
 */
export function transactionalHandler<Desc extends DescMessage>(
  database: Database,
  handler: TransactionalMessageHandler<Desc>,
): MessageHandler<Desc> {
  return (message, delivery) => withTransaction(database, async (scope) => handler(message, delivery, scope));
}
