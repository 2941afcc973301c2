import type { Identity } from "../context/identity.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";

/** The call an authorizer decides on. */
export interface AuthorizationRequest {
  /** The full proto service name, e.g. `kled.mcp.v1.McpService`. */
  readonly service: string;
  /** The proto method name, e.g. `CallTool`. */
  readonly method: string;
}

/**
 * Decides whether a verified identity may make a call. Default deny: an
 * implementation allows only what its policy grants.
 */
export interface Authorizer {
  /** Resolves when allowed; rejects with PERMISSION_DENIED (see {@link permissionDenied}) otherwise. */
  authorize(identity: Identity, request: AuthorizationRequest): Promise<void>;
}

/**
 * The domain an identity without one acts in: policies can grant in this
 * domain, or in every domain with `*`.
 */
export const DEFAULT_AUTH_DOMAIN = "default";

/** PERMISSION_DENIED naming who asked for what, so an operator can grant it. */
export function permissionDenied(subject: string, domain: string, request: AuthorizationRequest): KledError {
  return new KledError(
    Code.PermissionDenied,
    `subject "${subject}" in domain "${domain}" may not call ${request.service}/${request.method}; ` +
      "no policy rule grants it (ask an operator to grant a role that allows it)",
  );
}
