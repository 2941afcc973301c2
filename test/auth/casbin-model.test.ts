import { silentLogger } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { describe, expect, it } from "vitest";
import { casbinExample, casbinOracle, decision, identity, textAdapter } from "./support/casbin-oracle.js";

/**
 * Kled hands every model the request (subject, domain, service, method).
 * A model that takes another shape is refused when the authorizer is
 * created, not on every call.
 */
describe("CasbinAuthorizer and the model's request shape", () => {
  it.each(["basic_model.conf", "rbac_model.conf"])("refuses casbin's %s (r = sub, obj, act), saying what Kled passes", async (file) => {
    const created = CasbinAuthorizer.create({ adapter: textAdapter(""), model: casbinExample(file), logger: silentLogger });
    await expect(created).rejects.toThrow(
      'casbin model: its request "r = sub, obj, act" takes 3 values, but Kled passes 4: (subject, domain, service, method)',
    );
  });

  it("accepts any four-value request, whatever its names, and decides as casbin does", async () => {
    const model = casbinExample("rbac_with_domains_model.conf");
    const policy = casbinExample("rbac_with_domains_policy.csv");
    const authorizer = await CasbinAuthorizer.create({ adapter: textAdapter(policy), model, logger: silentLogger });
    const oracle = await casbinOracle(model, policy);
    const read = { service: "data1", method: "read" };
    expect(await oracle.enforce("admin", "domain1", "data1", "read")).toBe(true);
    expect(await decision(authorizer, identity("nobody", "domain1", ["admin"]), read)).toBe(true);
    expect(await oracle.enforce("admin", "domain2", "data1", "read")).toBe(false);
    expect(await decision(authorizer, identity("nobody", "domain2", ["admin"]), read)).toBe(false);
  });
});

/**
 * Kled's own model lets a role granted in domain `*` hold in every domain;
 * casbin's models do not. A custom model decides exactly as casbin's own
 * enforcer does, unless the option asks for the extension.
 */
describe("CasbinAuthorizer and role domains", () => {
  const model = casbinExample("rbac_with_domains_model.conf");
  // casbin's example policy, plus a subject (written sub:<subject>) and a role
  // granted in the domain "*" (to casbin, a domain named "*").
  const policy = `${casbinExample("rbac_with_domains_policy.csv")}\ng, sub:carol, admin, *\ng, manager, admin, *\n`;
  const requests = [
    { domain: "domain1", service: "data1", method: "read" },
    { domain: "domain2", service: "data2", method: "write" },
    { domain: "*", service: "data1", method: "read" },
  ];

  it.each([
    { name: "a user", subject: "carol", roles: undefined },
    { name: "a role", subject: "nobody", roles: ["manager"] },
  ])("with casbin's RBAC-with-domains model, $name granted in domain * gets nothing casbin denies", async ({ subject, roles }) => {
    const authorizer = await CasbinAuthorizer.create({ adapter: textAdapter(policy), model, logger: silentLogger });
    const oracle = await casbinOracle(model, policy);
    const asked = roles?.[0] ?? `sub:${subject}`;
    for (const { domain, service, method } of requests) {
      const expected = await oracle.enforce(asked, domain, service, method);
      expect({ domain, allowed: await decision(authorizer, identity(subject, domain, roles), { service, method }) }).toEqual({ domain, allowed: expected });
    }
    expect(await decision(authorizer, identity(subject, "domain1", roles), { service: "data1", method: "read" })).toBe(false);
  });

  it("extends a custom model only when asked (roleDomainWildcards), as casbin does with keyMatch as the domain matcher", async () => {
    const authorizer = await CasbinAuthorizer.create({ adapter: textAdapter(policy), model, roleDomainWildcards: true, logger: silentLogger });
    const oracle = await casbinOracle(model, policy);
    const { Util } = await import("casbin");
    oracle.addNamedDomainMatchingFunc("g", Util.keyMatchFunc);
    await oracle.buildRoleLinks();
    for (const { domain, service, method } of requests) {
      const expected = await oracle.enforce("sub:carol", domain, service, method);
      expect({ domain, allowed: await decision(authorizer, identity("carol", domain), { service, method }) }).toEqual({ domain, allowed: expected });
    }
    expect(await decision(authorizer, identity("carol", "domain1"), { service: "data1", method: "read" })).toBe(true);
  });

  it("keeps domain wildcards for roles with Kled's own model, the default", async () => {
    const kled = "p, admin, domain1, data1, read\ng, manager, admin, *\n";
    const authorizer = await CasbinAuthorizer.create({ adapter: textAdapter(kled), logger: silentLogger });
    expect(await decision(authorizer, identity("nobody", "domain1", ["manager"]), { service: "data1", method: "read" })).toBe(true);
  });
});
