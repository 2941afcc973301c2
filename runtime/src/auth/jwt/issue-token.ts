import type { CryptoKey, JWK, KeyObject } from "jose";
import { SignJWT } from "../../peers/jose.js";
import { DEFAULT_DOMAIN_CLAIM, DEFAULT_ROLES_CLAIM } from "./jwt-options.js";

/** What {@link issueToken} signs. */
export interface TokenClaims {
  readonly subject: string;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly domain?: string;
  readonly roles?: readonly string[];
  /** Lifetime in seconds. Default {@link DEFAULT_TOKEN_TTL_SEC}. */
  readonly ttlSec?: number;
  /** More claims, e.g. `{ name: "…" }`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Signing key and algorithm, e.g. `{ key: privateKey, alg: "EdDSA" }` or `{ key: secretBytes, alg: "HS256" }`. */
export interface TokenSigner {
  readonly key: CryptoKey | KeyObject | JWK | Uint8Array;
  readonly alg: string;
  /** Key id put in the header, so a JWKS with several keys finds the right one. */
  readonly kid?: string;
}

/** One hour: long enough for a demo or a batch job, short enough that a leaked token soon expires. */
export const DEFAULT_TOKEN_TTL_SEC = 3_600;

/**
 * Signs a JWT with the claims {@link jwtAuthenticator} reads by default
 * (`sub`, `domain`, `roles`). For service tokens, tests and demos; users
 * normally get tokens from their identity provider.
 */
export async function issueToken(claims: TokenClaims, signer: TokenSigner): Promise<string> {
  const ttl = claims.ttlSec ?? DEFAULT_TOKEN_TTL_SEC;
  return new SignJWT({
    ...claims.extra,
    ...(claims.domain === undefined ? {} : { [DEFAULT_DOMAIN_CLAIM]: claims.domain }),
    ...(claims.roles === undefined ? {} : { [DEFAULT_ROLES_CLAIM]: [...claims.roles] }),
  })
    .setProtectedHeader({ alg: signer.alg, typ: "JWT", ...(signer.kid === undefined ? {} : { kid: signer.kid }) })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer)
    .setAudience(typeof claims.audience === "string" ? claims.audience : [...claims.audience])
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .sign(signer.key);
}
