import { readFileSync } from "node:fs";
import { Code, KledError, type Identity } from "@kled/runtime";
import type { AuthorizationRequest } from "@kled/runtime/auth";
import type { CasbinAuthorizer } from "@kled/runtime/casbin";
import { FileAdapter, newEnforcer, newModelFromString, type Enforcer } from "casbin";

/** Casbin's own example models and policies, shipped in its package: the oracle's reference material. */
const CASBIN_EXAMPLES = new URL("../../../node_modules/casbin/examples/", import.meta.url);

/** The text of one of casbin's example files, e.g. `rbac_with_domains_model.conf`. */
export function casbinExample(name: string): string {
  return readFileSync(new URL(name, CASBIN_EXAMPLES), "utf8");
}

/** Casbin's FileAdapter reading policy CSV text instead of a file, so Kled and the oracle load the same lines. */
export function textAdapter(csv: string): FileAdapter {
  return new FileAdapter("policy.csv", {
    readFileSync: () => csv,
    writeFileSync: () => undefined,
  });
}

/** Casbin's own enforcer on a model and policy, untouched by Kled. */
export function casbinOracle(model: string, csv: string): Promise<Enforcer> {
  return newEnforcer(newModelFromString(model), textAdapter(csv));
}

/** Kled's decision as a boolean: true when `authorize` resolves, false on PERMISSION_DENIED; anything else is a failure. */
export async function decision(authorizer: CasbinAuthorizer, identity: Identity, request: AuthorizationRequest): Promise<boolean> {
  try {
    await authorizer.authorize(identity, request);
    return true;
  } catch (error) {
    if (error instanceof KledError && error.code === Code.PermissionDenied) return false;
    throw error;
  }
}

/** A verified identity as the JWT authenticator builds it. */
export function identity(subject: string, domain: string, roles?: readonly string[]): Identity {
  return { subject, domain, ...(roles === undefined ? {} : { roles }), claims: {}, source: "jwt" };
}
