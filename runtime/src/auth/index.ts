export { unauthenticated, type Authenticator } from "./authenticator.js";
export { DEFAULT_AUTH_DOMAIN, permissionDenied, type AuthorizationRequest, type Authorizer } from "./authorizer.js";
export { auth, type AuthOptions } from "./middleware.js";
export { methodMatcher, type MethodMatcher } from "./method-pattern.js";
export { jwtAuthenticator } from "./jwt/jwt-authenticator.js";
export {
  DEFAULT_VERIFIED_TOKEN_MAX_AGE_MS,
  DEFAULT_VERIFIED_TOKENS,
  type VerifiedTokenCacheOptions,
} from "./jwt/verified-tokens.js";
export {
  DEFAULT_AUTHORIZATION_KEY,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_DOMAIN_CLAIM,
  DEFAULT_ROLES_CLAIM,
  MIN_SECRET_BYTES,
  type JwtAuthenticatorOptions,
} from "./jwt/jwt-options.js";
export { DEFAULT_TOKEN_TTL_SEC, issueToken, type TokenClaims, type TokenSigner } from "./jwt/issue-token.js";
export { mtlsAuthenticator, type MtlsAuthenticatorOptions } from "./mtls/mtls-authenticator.js";
export { bearerToken, forwardAuthorization } from "./forward/credentials-middleware.js";
export { RBAC_WITH_DOMAINS_MODEL } from "./casbin/model.js";
export { CasbinAuthorizer, type CasbinAuthorizerOptions, type CasbinFileOptions } from "./casbin/casbin-authorizer.js";
export { CasbinRuleSchema, type CasbinRule } from "./casbin/casbin-rule.js";
export { MikroOrmAdapter } from "./casbin/mikro-orm-adapter.js";
export { DEFAULT_POLICY_CHANNEL, RedisWatcher, type RedisWatcherOptions } from "./casbin/redis-watcher.js";
