import type { Model } from "casbin";

/**
 * What Kled hands the enforcer for every call, in this order (see
 * {@link RBAC_WITH_DOMAINS_MODEL}): the caller's subject or one of its
 * roles, its domain, the full proto service name and the method name.
 */
export const KLED_REQUEST = ["subject", "domain", "service", "method"] as const;

/**
 * Refuses a model whose request definition does not take Kled's four
 * values. Casbin accepts such a model and then fails every call ("invalid
 * request size"); the mistake belongs at start-up, where it can name the fix.
 */
export function checkRequestShape(model: Model): void {
  // Casbin itself refuses a model without a request definition.
  const request = model.model.get("r")?.get("r");
  if (request === undefined || request.tokens.length === KLED_REQUEST.length) return;
  throw new Error(
    `casbin model: its request "r = ${request.value}" takes ${request.tokens.length} values, ` +
      `but Kled passes ${KLED_REQUEST.length}: (${KLED_REQUEST.join(", ")}), e.g. ("alice", "acme", "kled.mcp.v1.McpService", "CallTool"); ` +
      'declare "r = sub, dom, svc, mth" and match on those (RBAC_WITH_DOMAINS_MODEL, the default, is such a model)',
  );
}
