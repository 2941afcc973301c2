import { silentLogger } from "@kled/runtime";
import { CasbinAuthorizer, RBAC_WITH_DOMAINS_MODEL } from "@kled/runtime/casbin";
import { describe, expect, it } from "vitest";
import { casbinOracle, decision, identity, textAdapter } from "./support/casbin-oracle.js";

/**
 * Subjects and roles are apart: Kled asks the enforcer about a caller's
 * subject as `sub:<subject>` and about each role its credential carries as
 * the role's own name, so a subject named like a role (a user who signed up
 * as "admin") gets none of that role's rights, and a role named like a
 * subject gets none of that subject's.
 */
describe("CasbinAuthorizer keeps subjects and roles apart", () => {
  const policy = [
    "p, admin, *, kled.test.v1.EchoService, *",
    "g, manager, admin, *",
    "p, sub:alice, acme, kled.test.v1.EchoService, Echo",
    "g, sub:bob, admin, acme",
  ].join("\n");
  const echo = { service: "kled.test.v1.EchoService", method: "Echo" };

  it.each([
    { who: "a subject named like a role", subject: "admin", roles: [], allowed: false },
    { who: "a subject named like a role that has a role", subject: "manager", roles: [], allowed: false },
    { who: "the role, from the credential", subject: "someone", roles: ["admin"], allowed: true },
    { who: "a role that has the role, from the credential", subject: "someone", roles: ["manager"], allowed: true },
    { who: "a subject granted directly", subject: "alice", roles: [], allowed: true },
    { who: "a subject granted the role by a g line", subject: "bob", roles: [], allowed: true },
    { who: "a role named like a subject", subject: "someone", roles: ["alice"], allowed: false },
    { who: "a role claim spelled as a subject", subject: "someone", roles: ["sub:alice"], allowed: false },
  ])("$who: allowed $allowed, as casbin decides for sub:<subject> or the roles", async ({ subject, roles, allowed }) => {
    const authorizer = await CasbinAuthorizer.create({ adapter: textAdapter(policy), logger: silentLogger });
    const oracle = await casbinOracle(RBAC_WITH_DOMAINS_MODEL, policy);
    const { Util } = await import("casbin");
    oracle.addNamedDomainMatchingFunc("g", Util.keyMatchFunc);
    await oracle.buildRoleLinks();
    const asked = [`sub:${subject}`, ...roles.filter((role) => !role.startsWith("sub:"))];
    const answers = await Promise.all(asked.map((name) => oracle.enforce(name, "acme", echo.service, echo.method)));
    expect(answers.includes(true)).toBe(allowed);
    expect(await decision(authorizer, identity(subject, "acme", roles), echo)).toBe(allowed);
  });

  it("takes subjects, not policy names, in enforce, check and addRoleForUser", async () => {
    const authorizer = await CasbinAuthorizer.create({ adapter: textAdapter(policy), logger: silentLogger });
    expect(await authorizer.enforce("bob", "acme", echo.service, echo.method)).toBe(true);
    expect(await authorizer.enforce("admin", "acme", echo.service, echo.method)).toBe(false);
    await expect(authorizer.check("admin", "acme", echo.service, echo.method)).rejects.toThrow(/subject "admin" in domain "acme" may not call/);
    await authorizer.addRoleForUser("carol", "admin", "acme");
    expect(await authorizer.enforcer.getGroupingPolicy()).toContainEqual(["sub:carol", "admin", "acme"]);
    expect(await authorizer.enforce("carol", "acme", echo.service, echo.method)).toBe(true);
    await authorizer.removeRoleForUser("carol", "admin", "acme");
    expect(await authorizer.enforce("carol", "acme", echo.service, echo.method)).toBe(false);
  });
});
