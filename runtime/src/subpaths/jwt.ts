/** `@kled/runtime/jwt`: identities from JSON Web Tokens, verified with `jose` (an optional peer). */
export { jwtAuthenticator } from "../auth/jwt/jwt-authenticator.js";
export {
  DEFAULT_VERIFIED_TOKEN_MAX_AGE_MS,
  DEFAULT_VERIFIED_TOKENS,
  type VerifiedTokenCacheOptions,
} from "../auth/jwt/verified-tokens.js";
export {
  DEFAULT_AUTHORIZATION_KEY,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_DOMAIN_CLAIM,
  DEFAULT_ROLES_CLAIM,
  MIN_SECRET_BYTES,
  type JwtAuthenticatorOptions,
} from "../auth/jwt/jwt-options.js";
export { DEFAULT_TOKEN_TTL_SEC, issueToken, type TokenClaims, type TokenSigner } from "../auth/jwt/issue-token.js";
