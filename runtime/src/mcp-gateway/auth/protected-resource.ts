/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, as
 * MCP's authorization spec wants it: the document at the well-known URL
 * with the endpoint's path appended (`/.well-known/oauth-protected-resource/mcp`),
 * which clients try first, and at the well-known root, which they fall back to.
 */
import type { McpGatewayAuthOptions } from "./gateway-auth-options.js";

/** RFC 9728's well-known path prefix. */
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource";

/** The two paths the document is served at, for an endpoint at `mcpPath`. */
export function protectedResourcePaths(mcpPath: string): string[] {
  return [`${PROTECTED_RESOURCE_PATH}${mcpPath}`, PROTECTED_RESOURCE_PATH];
}

/** The metadata's URL for a resource, as `WWW-Authenticate` names it: the path-suffixed form. */
export function protectedResourceUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}${PROTECTED_RESOURCE_PATH}${path}`;
}

export function protectedResourceMetadata(resource: string, options: McpGatewayAuthOptions): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [...options.authorizationServers],
    bearer_methods_supported: ["header"],
    ...(options.scopesSupported === undefined ? {} : { scopes_supported: [...options.scopesSupported] }),
    resource_name: "Kled MCP gateway",
  };
}

/**
 * The `WWW-Authenticate` value of a 401: RFC 6750's Bearer challenge with
 * the metadata URL, and `error="invalid_token"` when a token was sent but
 * did not verify. `description` must never quote the token.
 */
export function bearerChallenge(metadataUrl: string, description?: string): string {
  const parts = [`resource_metadata="${metadataUrl}"`];
  if (description !== undefined) parts.push(`error="invalid_token"`, `error_description="${description.replace(/["\\]/g, "'")}"`);
  return `Bearer ${parts.join(", ")}`;
}
