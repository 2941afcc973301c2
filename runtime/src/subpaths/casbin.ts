/**
 * `@kled/runtime/casbin`: authorization decided by a Casbin model and policy
 * (`casbin` is an optional peer). Its policy store on a database is
 * `MikroOrmAdapter` in `@kled/runtime/mikro-orm`; its change feed over Redis
 * is `RedisWatcher` in `@kled/runtime/redis`.
 */
export { RBAC_WITH_DOMAINS_MODEL } from "../auth/casbin/model.js";
export { policySubject, SUBJECT_PREFIX } from "../auth/casbin/policy-subject.js";
export { CasbinAuthorizer, type CasbinAuthorizerOptions, type CasbinFileOptions } from "../auth/casbin/casbin-authorizer.js";
