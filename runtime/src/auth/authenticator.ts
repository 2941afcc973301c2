import type { ServerContext } from "../context/handler-context.js";
import type { Identity } from "../context/identity.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";

/**
 * Establishes who is calling from one kind of verified credential: a JWT, a
 * client certificate. The {@link auth} middleware asks each configured
 * authenticator in turn.
 */
export interface Authenticator {
  /** What the credential is, for error messages, e.g. `"authorization: Bearer <JWT>" metadata`. */
  readonly credential: string;
  /**
   * The caller's identity when the call carries this kind of credential and
   * it verifies; undefined when the call carries none of this kind. Rejects
   * with UNAUTHENTICATED when a credential is present but bad (expired,
   * altered, for another audience…), and with UNAVAILABLE when it cannot be
   * checked right now (the key set cannot be fetched).
   */
  authenticate(context: ServerContext): Promise<Identity | undefined>;
}

/** An UNAUTHENTICATED error; `reason` must never quote the credential itself. */
export function unauthenticated(reason: string, cause?: unknown): KledError {
  return new KledError(Code.Unauthenticated, reason, {}, cause === undefined ? undefined : { cause });
}
