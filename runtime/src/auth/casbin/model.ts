/**
 * The default Casbin model: RBAC with domains over gRPC calls. Kled asks it
 * `(subject, domain, service, method)` (every model it is given must take
 * those four request values), e.g. `("sub:alice", "acme",
 * "kled.mcp.v1.McpService", "CallTool")`: the caller's subject carries the
 * `sub:` prefix (see `policySubject`), a role from the caller's credential
 * comes as its own name. Policy lines:
 *
 *     p, tool-user, *, kled.mcp.v1.McpService, *    # role tool-user may call any McpService method, in every domain
 *     g, sub:alice, tool-user, acme                 # subject alice has role tool-user in domain acme
 *     g, sub:kled.agent, tool-user, *               # … or in every domain
 *     p, sub:bob, acme, kled.test.v1.EchoService, Echo  # subject bob may call Echo in acme, without a role
 *
 * Services, methods and domains in `p` lines match with `keyMatch` (`*`
 * matches the rest), and, with this model only (or where the option
 * `roleDomainWildcards` asks), a role granted in domain `*` holds in every
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
