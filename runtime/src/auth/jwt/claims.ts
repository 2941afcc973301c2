import type { JWTPayload } from "jose";
import type { Identity } from "../../context/identity.js";
import { unauthenticated } from "../authenticator.js";

/** Which claims hold what. */
export interface ClaimNames {
  readonly domain: string;
  readonly roles: string;
}

/** The identity a verified token establishes; UNAUTHENTICATED when its claims have the wrong shape. */
export function identityFromClaims(payload: JWTPayload, names: ClaimNames): Identity {
  if (typeof payload.sub !== "string" || payload.sub === "") {
    throw unauthenticated('bearer token has no "sub" claim; the issuer must name the subject');
  }
  const domain = claimAt(payload, names.domain);
  if (domain !== undefined && typeof domain !== "string") {
    throw unauthenticated(`bearer token claim "${names.domain}" must be a string (the domain), not ${typeof domain}`);
  }
  return {
    subject: payload.sub,
    ...(domain === undefined || domain === "" ? {} : { domain }),
    roles: rolesOf(payload, names.roles),
    claims: payload,
    source: "jwt",
  };
}

function rolesOf(payload: JWTPayload, name: string): string[] {
  const value = claimAt(payload, name);
  if (value === undefined) return [];
  if (typeof value === "string") return value.split(/\s+/).filter((role) => role !== "");
  if (Array.isArray(value) && value.every((role) => typeof role === "string")) return [...value];
  throw unauthenticated(`bearer token claim "${name}" must be a list of role names or a space-separated string`);
}

/** The claim at a dotted path, e.g. `realm_access.roles`; a claim named with the dots itself wins. */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
