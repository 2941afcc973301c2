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
