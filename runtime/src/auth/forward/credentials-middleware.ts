/**
 * Credentials on outgoing calls. Bearer tokens are not among the metadata
 * keys every outgoing call copies from the call being served
 * (PROPAGATED_METADATA_KEYS): sending a caller's token on to every service
 * a handler calls would hand it to services it was never meant for. A
 * service chooses instead, with one of these client middlewares:
 *
 * - {@link forwardAuthorization}: calls made inside a handler carry the
 *   caller's own token (the downstream service sees the original caller);
 * - {@link bearerToken}: calls carry this service's own token (the
 *   downstream service sees this service).
 *
 * With both, put `forwardAuthorization()` first: the caller's token wins
 * inside a handler, the service token is used everywhere else. A token set
 * explicitly in `CallOptions.metadata` always wins.
 */
import type { ClientMiddleware } from "../../client/middleware.js";
import { currentContext } from "../../context/current-context.js";
import type { MaybePromise } from "../../definition/async-types.js";
import { DEFAULT_AUTHORIZATION_KEY } from "../jwt/jwt-options.js";

/** Copies the served call's `authorization` metadata to calls made while serving it. */
export function forwardAuthorization(metadataKey: string = DEFAULT_AUTHORIZATION_KEY): ClientMiddleware {
  return (next) => (request) => {
    const incoming = currentContext()?.metadata.get(metadataKey);
    if (incoming !== undefined && !request.metadata.has(metadataKey)) request.metadata.set(metadataKey, incoming);
    return next(request);
  };
}

/**
 * Sends `Bearer <token>` on every call that has no authorization yet. `token`
 * may be a function, called per call, for tokens that are refreshed.
 */
export function bearerToken(
  token: string | (() => MaybePromise<string>),
  metadataKey: string = DEFAULT_AUTHORIZATION_KEY,
): ClientMiddleware {
  return (next) => async (request) => {
    if (!request.metadata.has(metadataKey)) {
      const value = typeof token === "string" ? token : await token();
      request.metadata.set(metadataKey, `Bearer ${value}`);
    }
    return next(request);
  };
}
