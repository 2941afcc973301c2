import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { type Authenticator } from "@kled/runtime/auth";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import { MCP_SERVICE_NAME } from "./service-names.js";

/**
 * How the example services verify and present tokens, from the environment:
 *
 *   KLED_AUTH_PUBLIC_KEY   the issuer's public key: a JWK (JSON) or a PEM (SPKI)
 *   KLED_AUTH_JWKS_URL     or the issuer's JWKS URL
 *   KLED_AUTH_SECRET       or an HS256 shared secret (32 bytes or more)
 *   KLED_AUTH_ISSUER       expected `iss` (default "kled-demo")
 *   KLED_AUTH_AUDIENCE     expected `aud` (default "kled.mcp.tools", the MCP service's name)
 *   KLED_SERVICE_TOKEN     the token a service sends on its own calls (the agent's to MCP)
 *
 * `npm run demo` generates an Ed25519 key pair, gives the MCP services the
 * public key and the agent a token signed with the private one.
 */
export const AUTH_ENV = {
  publicKey: "KLED_AUTH_PUBLIC_KEY",
  jwksUrl: "KLED_AUTH_JWKS_URL",
  secret: "KLED_AUTH_SECRET",
  issuer: "KLED_AUTH_ISSUER",
  audience: "KLED_AUTH_AUDIENCE",
  serviceToken: "KLED_SERVICE_TOKEN",
} as const;

/** The issuer the demo signs tokens as. */
export const DEMO_ISSUER = "kled-demo";

/** The audience of tokens for the MCP tool services. */
export const MCP_AUDIENCE = MCP_SERVICE_NAME;

/** True when the environment names a token verification key (any of the variables authenticatorFromEnv reads). */
export function verificationKeyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return [AUTH_ENV.publicKey, AUTH_ENV.jwksUrl, AUTH_ENV.secret].some((name) => (env[name]?.trim() ?? "") !== "");
}

/** A JWT authenticator configured from the environment; throws naming the variables when no key is set. */
export function authenticatorFromEnv(env: NodeJS.ProcessEnv = process.env): Authenticator {
  const issuer = env[AUTH_ENV.issuer]?.trim() || DEMO_ISSUER;
  const audience = env[AUTH_ENV.audience]?.trim() || MCP_AUDIENCE;
  const publicKey = env[AUTH_ENV.publicKey]?.trim();
  const jwksUrl = env[AUTH_ENV.jwksUrl]?.trim();
  const secret = env[AUTH_ENV.secret]?.trim();
  if (publicKey) return jwtAuthenticator({ key: parsePublicKey(publicKey), issuer, audience });
  if (jwksUrl) return jwtAuthenticator({ jwksUrl, issuer, audience });
  if (secret) return jwtAuthenticator({ secret, issuer, audience });
  throw new Error(
    `no token verification key: set ${AUTH_ENV.publicKey} (a public JWK or PEM), ${AUTH_ENV.jwksUrl} or ${AUTH_ENV.secret}; ` +
      "`npm run demo` sets them, and examples/src/auth/dev-credentials.ts prints a set for trying things by hand",
  );
}

/** This service's own token for outgoing calls, if configured. */
export function serviceTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[AUTH_ENV.serviceToken]?.trim();
  return token === undefined || token === "" ? undefined : token;
}

function parsePublicKey(text: string): KeyObject {
  try {
    return text.startsWith("{") ? createPublicKey({ key: JSON.parse(text) as JsonWebKey, format: "jwk" }) : createPublicKey(text);
  } catch (error) {
    throw new Error(`${AUTH_ENV.publicKey} is neither a public JWK (JSON) nor a PEM public key: ${(error as Error).message}`);
  }
}
