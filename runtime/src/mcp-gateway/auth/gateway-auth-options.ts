import type { Authenticator } from "../../auth/authenticator.js";
import type { Authorizer } from "../../auth/authorizer.js";

/**
 * The gateway as an OAuth 2.1 resource server (MCP's authorization spec):
 * every request to the MCP endpoint needs `Authorization: Bearer <token>`,
 * verified by `authenticator`; without one (or with a bad one) the answer is
 * 401 with `WWW-Authenticate: Bearer resource_metadata="…"` pointing at the
 * Protected Resource Metadata (RFC 9728) the gateway serves, which names the
 * authorization servers a client gets tokens from.
 */
export interface McpGatewayAuthOptions {
  /**
   * Verifies the bearer token: `jwtAuthenticator` of `@kled/runtime/jwt`
   * with the issuer's JWKS (`jwksUrl`) or key, the issuer, and as `audience`
   * this gateway's resource identifier (see `resource`), so that a token
   * minted for another service is refused (MCP forbids token passthrough of
   * foreign audiences).
   */
  readonly authenticator: Authenticator;
  /** Issuer URLs of the authorization servers, listed in the metadata (`authorization_servers`). */
  readonly authorizationServers: readonly string[];
  /**
   * The resource identifier clients ask tokens for (RFC 8707) and the
   * metadata's `resource`. Default: the gateway's endpoint URL, e.g.
   * `http://127.0.0.1:8808/mcp`; give the public URL when the gateway sits
   * behind a proxy.
   */
  readonly resource?: string;
  /** `scopes_supported` of the metadata. */
  readonly scopesSupported?: readonly string[];
  /**
   * Per-tool authorization: a tool the caller may not call is left out of
   * its `tools/list` and refused by `tools/call` as an unknown tool. The
   * request an authorizer sees: for a proto tool, its proto service and
   * method (`kled.test.v1.EchoService`, `Echo`: the same pair the backend's
   * own auth middleware checks); for a tool of an MCP service, the service's
   * registered name and the tool's name there (`kled.mcp.tools`, `add`).
   * Absent: every authenticated caller may use every tool.
   */
  readonly authorizer?: Authorizer;
  /**
   * Forward the caller's bearer token to the backends as the call's
   * `authorization` metadata, so that they see (and can check) who is
   * calling. Default true. The token's audience is the gateway; backends
   * that verify it accept the gateway's resource identifier as an audience.
   */
  readonly forwardToken?: boolean;
}
