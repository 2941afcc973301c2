/**
 * `@kled/runtime/auth`: who may call what. The server middleware, the
 * authenticator and authorizer interfaces, mTLS identities and credential
 * forwarding; no library of its own. JWT is `@kled/runtime/jwt`, Casbin
 * `@kled/runtime/casbin`.
 */
export { unauthenticated, type Authenticator } from "../auth/authenticator.js";
export { DEFAULT_AUTH_DOMAIN, permissionDenied, type AuthorizationRequest, type Authorizer } from "../auth/authorizer.js";
export { auth, type AuthOptions } from "../auth/middleware.js";
export { methodMatcher, type MethodMatcher } from "../auth/method-pattern.js";
export { mtlsAuthenticator, type MtlsAuthenticatorOptions } from "../auth/mtls/mtls-authenticator.js";
export { bearerToken, forwardAuthorization } from "../auth/forward/credentials-middleware.js";
