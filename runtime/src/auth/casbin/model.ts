/**
 * The default Casbin model: RBAC with domains over gRPC calls. A request is
 * `(subject, domain, service, method)`, e.g. `("alice", "acme",
 * "kled.mcp.v1.McpService", "CallTool")`. Policy lines:
 *
 *     p, tool-user, *, kled.mcp.v1.McpService, *    # role tool-user may call any McpService method, in every domain
 *     g, alice, tool-user, acme                     # alice has role tool-user in domain acme
 *     g, kled.agent, tool-user, *                   # … or in every domain
 *
 * Services, methods and domains in `p` lines match with `keyMatch` (`*`
 * matches the rest), and a role granted in domain `*` holds in every
 * domain. Anything no line allows is denied.
 */
export const RBAC_WITH_DOMAINS_MODEL = `
[request_definition]
r = sub, dom, svc, mth

[policy_definition]
p = sub, dom, svc, mth

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && keyMatch(r.svc, p.svc) && keyMatch(r.mth, p.mth)
`;
