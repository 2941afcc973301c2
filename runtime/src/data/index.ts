export { Database, type AnyEntitySchema, type DatabaseKind, type DatabaseOptions } from "./database.js";
export {
  DATABASE_URL_ENV,
  DEFAULT_DATABASE_URL,
  parseDatabaseUrl,
  redactDatabaseUrl,
  type DatabaseLocation,
} from "./database-url.js";
export type { TransactionScope } from "./transaction-scope.js";
export { withTransaction } from "./transaction.js";
export { currentTransaction, dataOf, onCommit } from "./current-transaction.js";
export { transactionMiddleware, type TransactionMiddlewareOptions } from "./middleware.js";
export { transactionalHandler, type TransactionalMessageHandler } from "./subscriber.js";
