import type { CryptoKey, JWK, KeyObject } from "jose";
import type { VerifiedTokenCacheOptions } from "./verified-tokens.js";

/**
 * How bearer tokens are verified. Give exactly one source of keys:
 * `jwksUrl` (the issuer's published key set; keys rotate without a restart),
 * `key` (one public key, or a symmetric key as bytes) or `secret` (an HMAC
 * shared secret, for HS256/384/512).
 */
export interface JwtAuthenticatorOptions {
  /** The issuer's JWKS, e.g. `https://id.example.com/.well-known/jwks.json`. */
  readonly jwksUrl?: string | URL;
  /** One verification key: a public key (KeyObject, CryptoKey, JWK) or symmetric key bytes. */
  readonly key?: CryptoKey | KeyObject | JWK | Uint8Array;
  /** An HMAC shared secret; at least {@link MIN_SECRET_BYTES} bytes. */
  readonly secret?: string | Uint8Array;
  /** Expected `iss`; a token from any other issuer is refused. */
  readonly issuer: string | readonly string[];
  /** Expected `aud` (one of them must be in the token), usually this service's name. */
  readonly audience: string | readonly string[];
  /** Accepted `alg` values. Default: whatever fits the key (jose refuses `none` and key/algorithm mismatches). */
  readonly algorithms?: readonly string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default {@link DEFAULT_CLOCK_TOLERANCE_SEC}. */
  readonly clockToleranceSec?: number;
  /**
   * The claim holding the caller's domain (tenant), a string; dotted paths
   * reach into objects (`tenant.id`). Default {@link DEFAULT_DOMAIN_CLAIM}.
   * Absent in a token: the identity has no domain.
   */
  readonly domainClaim?: string;
  /**
   * The claim holding the caller's roles: a list of strings, or one string
   * of space-separated roles (OAuth `scope` style); dotted paths such as
   * `realm_access.roles` (Keycloak) work. Default {@link DEFAULT_ROLES_CLAIM}.
   */
  readonly rolesClaim?: string;
  /** The request metadata key carrying `Bearer <JWT>`. Default {@link DEFAULT_AUTHORIZATION_KEY}. */
  readonly metadataKey?: string;
  /**
   * Tokens verified recently are recognised by their exact text until they
   * expire or for `maxAgeMs` (see verified-tokens.ts), instead of checking
   * the signature on every call; `false` verifies every call. Default: on,
   * with the defaults of {@link VerifiedTokenCacheOptions}.
   */
  readonly verifiedTokenCache?: VerifiedTokenCacheOptions | false;
}

/** Thirty seconds: covers ordinary clock drift between hosts without keeping expired tokens useful for long. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;

/** The claim read for the domain unless `domainClaim` says otherwise. */
export const DEFAULT_DOMAIN_CLAIM = "domain";

/** The claim read for roles unless `rolesClaim` says otherwise. */
export const DEFAULT_ROLES_CLAIM = "roles";

/** Where gRPC (like HTTP) carries credentials. */
export const DEFAULT_AUTHORIZATION_KEY = "authorization";

/** 32 bytes: RFC 7518 requires an HS256 key at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;
