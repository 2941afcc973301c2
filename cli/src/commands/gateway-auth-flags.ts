import type { McpGatewayAuthOptions } from "@kled/runtime/mcp";
import { InvalidArgumentError } from "commander";
import { usageError } from "../cli-error.js";

/** The flags of `kled gateway` that make it an OAuth resource server, and its rate limit. */
export interface GatewayAuthFlags {
  jwksUrl?: string;
  issuer?: string;
  resource?: string;
  authorizationServer?: string[];
  policy?: string;
  policyModel?: string;
  rateLimit?: { points: number; durationSec: number };
}

/**
 * The gateway's `auth` option from the flags, or undefined when none of them
 * is given. `--jwks-url`, `--issuer` and `--resource` go together (a token
 * is checked against a key set, an issuer and this gateway as audience);
 * the jose and casbin peers are loaded only then.
 */
export async function gatewayAuthFromFlags(flags: GatewayAuthFlags): Promise<McpGatewayAuthOptions | undefined> {
  const given = [flags.jwksUrl, flags.issuer, flags.resource].filter((flag) => flag !== undefined).length;
  if (given === 0) {
    if (flags.policy !== undefined || flags.authorizationServer !== undefined) {
      throw usageError("--policy and --authorization-server need --jwks-url, --issuer and --resource (the gateway checks tokens first)");
    }
    return undefined;
  }
  if (given !== 3) throw usageError("--jwks-url, --issuer and --resource go together: the key set, the token issuer and this gateway's URL (the audience)");
  const { jwtAuthenticator } = await import("@kled/runtime/jwt");
  const authorizer =
    flags.policy === undefined
      ? undefined
      : await (await import("@kled/runtime/casbin")).CasbinAuthorizer.fromFiles({
          policy: flags.policy,
          ...(flags.policyModel === undefined ? {} : { model: flags.policyModel }),
        });
  const resource = flags.resource as string;
  return {
    authenticator: jwtAuthenticator({ jwksUrl: flags.jwksUrl as string, issuer: flags.issuer as string, audience: resource }),
    authorizationServers: flags.authorizationServer ?? [flags.issuer as string],
    resource,
    ...(authorizer === undefined ? {} : { authorizer }),
  };
}

/** `POINTS/SECONDS`, e.g. `60/60` for sixty requests a minute per caller. */
export function parseRateLimit(value: string): { points: number; durationSec: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const points = Number(match?.[1]);
  const durationSec = Number(match?.[2]);
  if (match === null || points < 1 || durationSec < 1) {
    throw new InvalidArgumentError(`"${value}" is not POINTS/SECONDS with both at least 1 (e.g. 60/60: sixty requests a minute per caller)`);
  }
  return { points, durationSec };
}
