/**
 * What the authorization suite's processes agree on: the three server
 * modes and their registered names, the claims of the caller's token, and
 * the environment variables that carry the secret and the token. The
 * request itself is the RPC suites' (ECHO_TEXT), so that the only thing
 * the suite varies is the auth middleware.
 */

/** The server variants: no auth middleware, JWT authentication only, JWT plus the Casbin authorizer. */
export const AUTH_MODES = ["none", "jwt", "casbin"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/**
 * Each variant registers under a name of its own, so that the load
 * process reaches it through the registry like any caller, and a call
 * meant for one variant can never be answered by another.
 */
export function authServiceName(mode: AuthMode): string {
  return `bench.authz.${mode}`;
}

/** The load process's service name: also its token's subject, as with a service token. */
export const CALLER_SERVICE_NAME = "bench.authz.load";

/** Issuer and audience the servers' jwtAuthenticator expects and the token carries. */
export const TOKEN_ISSUER = "kled-bench";
export const TOKEN_AUDIENCE = "bench.authz";

/**
 * The caller's claims. Its subject has no rule of its own in policy.csv;
 * the role its token carries does, in its domain: the usual shape of a
 * token from an identity provider, and the longer path through
 * CasbinAuthorizer (the subject is tried, and denied, before the role).
 */
export const CALLER_DOMAIN = "acme";
export const CALLER_ROLES: readonly string[] = ["echo-caller"];

/**
 * The HS256 secret, for the servers only, and the token, for the load
 * process only: the caller never holds the key, as with a real issuer.
 * Environment rather than arguments keeps them out of process listings.
 */
export const SECRET_ENV = "KLED_BENCH_AUTH_SECRET";
export const TOKEN_ENV = "KLED_BENCH_AUTH_TOKEN";

/** The value of `name`; throws naming it, for a program started other than by the suite. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set; bench/authz/suite.ts sets it`);
  return value;
}
