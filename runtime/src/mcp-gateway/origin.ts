/**
 * Browsers send `Origin` on cross-site requests; a page on another site
 * must not reach a gateway on the user's machine (DNS rebinding, the attack
 * the MCP transport spec's "MUST validate Origin" is about). Clients that
 * are not browsers send no Origin and pass.
 */

/** Origins allowed when none are configured: pages served from this machine, any port. */
export const LOOPBACK_ORIGIN_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Whether a request with this `Origin` header value may proceed. */
export function originAllowed(origin: string | undefined, allowedOrigins: readonly string[] | undefined): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins !== undefined) return allowedOrigins.includes("*") || allowedOrigins.includes(origin);
  try {
    return LOOPBACK_ORIGIN_HOSTS.includes(new URL(origin).hostname);
  } catch {
    // "null" (a sandboxed page, a file:) and anything else unparsable.
    return false;
  }
}
