import { errors } from "../../peers/jose.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import { unauthenticated } from "../authenticator.js";

/**
 * What a failed verification means for the caller. Messages say which check
 * failed (jose's messages name claims, never the token or the key) so the
 * caller can fix it; a key set that cannot be fetched is our outage, not the
 * caller's fault: UNAVAILABLE, which clients retry.
 */
export function verificationError(error: unknown, jwksUrl: string | undefined): KledError {
  if (error instanceof KledError) return error;
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === "number" ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : "";
    return unauthenticated(`bearer token expired${exp}; get a new token`, error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthenticated(`bearer token refused: ${error.message}`, error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated("bearer token signature does not verify: it was altered, or signed by a key this service does not trust", error);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return unauthenticated(`no key of the issuer's key set (${jwksUrl ?? "configured key"}) matches the bearer token's header (kid/alg)`, error);
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (jwksUrl !== undefined && !(error instanceof errors.JOSEError))) {
    return new KledError(
      Code.Unavailable,
      `cannot fetch the token signing keys from ${jwksUrl ?? "the JWKS URL"} (${messageOf(error)}); is the identity provider reachable?`,
      {},
      { cause: error },
    );
  }
  if (error instanceof errors.JOSEError) return unauthenticated(`bearer token refused: ${error.message}`, error);
  return unauthenticated(`bearer token refused: ${messageOf(error)}`, error);
}
