/**
 * The auth server middleware: authentication (who is calling, from a
 * verified credential) and, optionally, authorization (may they call this
 * method). Put it first in `ServiceOptions.middleware`, before data and
 * rate limiting, so that nothing runs for a caller it refuses. It reads
 * only metadata: a unary request is decoded when its message is first read
 * (server/lazy-request.ts), so a caller without a credential is refused
 * before the server decodes its bytes, and learns nothing from a decode error.
 *
 * Only verified credentials count. Metadata a caller can set freely, such
 * as `user` or `domain`, is never read. The standard health and reflection
 * services do not pass through middleware at all, so they stay open.
 */
import type { ServerContext } from "../context/handler-context.js";
import type { Identity } from "../context/identity.js";
import type { ServerMiddleware } from "../server/middleware.js";
import { unauthenticated, type Authenticator } from "./authenticator.js";
import type { Authorizer } from "./authorizer.js";
import { methodMatcher } from "./method-pattern.js";

/** Options of {@link auth}. */
export interface AuthOptions {
  /** Asked in order; the first that finds its kind of credential decides. At least one. */
  readonly authenticators: readonly Authenticator[];
  /** Decides each authenticated call; without one, any verified caller may call any method. */
  readonly authorizer?: Authorizer;
  /**
   * Methods that need no credential (see method-pattern.ts), e.g.
   * `kled.agent.v1.AgentService/GetAgentCard`. A credential presented to
   * them is still verified, and a bad one is still refused: a client with a
   * broken token should learn it at once.
   */
  readonly publicMethods?: readonly string[];
}

/** Authentication, then authorization, of every call except the public methods. */
export function auth(options: AuthOptions): ServerMiddleware {
  if (options.authenticators.length === 0) {
    throw new Error("auth: no authenticators; pass jwtAuthenticator(…) and/or mtlsAuthenticator(…)");
  }
  const isPublic = methodMatcher(options.publicMethods);
  const accepted = options.authenticators.map((a) => a.credential).join(" or ");
  return (next) => async (request) => {
    const identity = await identify(options.authenticators, request.context);
    if (identity === undefined) {
      if (isPublic(request.method.path)) return next(request);
      throw unauthenticated(`${request.method.path} needs a credential and the call carries none; send ${accepted}`);
    }
    request.context.identity = identity;
    if (options.authorizer !== undefined && !isPublic(request.method.path)) {
      await options.authorizer.authorize(identity, { service: request.service.typeName, method: request.method.name });
    }
    return next(request);
  };
}

async function identify(authenticators: readonly Authenticator[], context: ServerContext): Promise<Identity | undefined> {
  for (const authenticator of authenticators) {
    const identity = await authenticator.authenticate(context);
    if (identity !== undefined) return identity;
  }
  return undefined;
}
