import type { JWTVerifyGetKey, JWTVerifyOptions } from "jose";
import { createRemoteJWKSet, jwtVerify } from "../../peers/jose.js";
import type { ServerContext } from "../../context/handler-context.js";
import type { Identity } from "../../context/identity.js";
import { unauthenticated, type Authenticator } from "../authenticator.js";
import { identityFromClaims, type ClaimNames } from "./claims.js";
import {
  DEFAULT_AUTHORIZATION_KEY,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_DOMAIN_CLAIM,
  DEFAULT_ROLES_CLAIM,
  MIN_SECRET_BYTES,
  type JwtAuthenticatorOptions,
} from "./jwt-options.js";
import { VerifiedTokens } from "./verified-tokens.js";
import { verificationError } from "./verify-errors.js";

type VerificationKey = Exclude<JwtAuthenticatorOptions["key"], undefined> | JWTVerifyGetKey;

/**
 * Verifies `authorization: Bearer <JWT>` with jose: signature, `exp`/`nbf`
 * (with clock tolerance), issuer and audience. The identity's subject is
 * `sub`; its domain and roles come from the configured claims.
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const key = verificationKey(options);
  const jwksUrl = options.jwksUrl === undefined ? undefined : String(options.jwksUrl);
  const metadataKey = options.metadataKey ?? DEFAULT_AUTHORIZATION_KEY;
  const names: ClaimNames = {
    domain: options.domainClaim ?? DEFAULT_DOMAIN_CLAIM,
    roles: options.rolesClaim ?? DEFAULT_ROLES_CLAIM,
  };
  const toleranceSec = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  const verifyOptions: JWTVerifyOptions = {
    issuer: typeof options.issuer === "string" ? options.issuer : [...options.issuer],
    audience: typeof options.audience === "string" ? options.audience : [...options.audience],
    clockTolerance: toleranceSec,
    ...(options.algorithms === undefined ? {} : { algorithms: [...options.algorithms] }),
  };
  const verified = options.verifiedTokenCache === false ? undefined : new VerifiedTokens(options.verifiedTokenCache);
  return {
    credential: `"${metadataKey}: Bearer <JWT>" metadata`,
    async authenticate(context: ServerContext): Promise<Identity | undefined> {
      const token = bearerToken(context, metadataKey);
      if (token === undefined) return undefined;
      const known = verified?.get(token);
      if (known !== undefined) return known;
      let identity: Identity;
      let expiresAtMs: number | undefined;
      try {
        // Two overloads (a key, or a key-resolving function); one call site for both.
        const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, verifyOptions);
        identity = identityFromClaims(payload, names);
        expiresAtMs = payload.exp === undefined ? undefined : (payload.exp + toleranceSec) * 1000;
      } catch (error) {
        throw verificationError(error, jwksUrl);
      }
      verified?.add(token, identity, expiresAtMs);
      return identity;
    },
  };
}

function verificationKey(options: JwtAuthenticatorOptions): VerificationKey {
  const given = [options.jwksUrl, options.key, options.secret].filter((k) => k !== undefined).length;
  if (given !== 1) {
    throw new Error(`jwtAuthenticator: give exactly one of jwksUrl, key or secret (got ${given})`);
  }
  if (options.issuer.length === 0 || options.audience.length === 0) {
    throw new Error("jwtAuthenticator: issuer and audience are required; tokens are only accepted from a known issuer for this audience");
  }
  if (options.jwksUrl !== undefined) return createRemoteJWKSet(new URL(options.jwksUrl));
  if (options.secret !== undefined) {
    const secret = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new Error(`jwtAuthenticator: the secret has ${secret.byteLength} bytes; HMAC secrets need at least ${MIN_SECRET_BYTES} (generate one with crypto.randomBytes(32))`);
    }
    return secret;
  }
  return options.key as VerificationKey;
}

/** The token of `Bearer <token>`; undefined when the metadata is absent; UNAUTHENTICATED when it is not a bearer token. */
function bearerToken(context: ServerContext, metadataKey: string): string | undefined {
  const values = context.metadata.getAll(metadataKey);
  if (values.length === 0) return undefined;
  if (values.length > 1 || values[0]?.includes(",")) {
    throw unauthenticated(`request metadata "${metadataKey}" has more than one value; send exactly one "Bearer <JWT>"`);
  }
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/-]+=*)$/i.exec(values[0]?.trim() ?? "");
  if (match?.[1] === undefined) {
    const scheme = /^(\S+)/.exec(values[0] ?? "")?.[1] ?? "";
    const what = /^[A-Za-z-]{1,20}$/.test(scheme) ? `uses the "${scheme}" scheme` : "is not a bearer token";
    throw unauthenticated(`request metadata "${metadataKey}" ${what}; send "Bearer <JWT>"`);
  }
  return match[1];
}
