/**
 * `@kled/runtime/mikro-orm`: per-call transactions, the transactional outbox
 * and the Casbin policy adapter, on MikroORM 7 (`@mikro-orm/core` and the
 * driver of your database, `@mikro-orm/postgresql` or `@mikro-orm/libsql`,
 * are optional peers).
 */
export * from "../data/index.js";
export * from "../outbox/index.js";
export { CasbinRuleSchema, type CasbinRule } from "../auth/casbin/casbin-rule.js";
export { MikroOrmAdapter } from "../auth/casbin/mikro-orm-adapter.js";
