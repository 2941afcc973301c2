import { silentLogger } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { CasbinRuleSchema, MikroOrmAdapter } from "@kled/runtime/mikro-orm";
import { newEnforcer, newModelFromString } from "casbin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RBAC_WITH_DOMAINS_MODEL } from "@kled/runtime/casbin";
import { requirePostgres } from "../support/services.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";

const postgres = await requirePostgres();

describe.each([
  { name: "SQLite", url: undefined, skip: undefined },
  { name: "PostgreSQL", url: postgres.url, skip: postgres.skip },
])("MikroOrmAdapter on $name", ({ url, skip }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    if (skip === undefined) db = await openTestDatabase([CasbinRuleSchema], url);
  });
  afterAll(() => db?.cleanup());

  async function rows(): Promise<string[]> {
    const all = await db.database.fork().find(CasbinRuleSchema, {}, { orderBy: { id: "asc" } });
    return all.map((r) => [r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4, r.v5].filter((v) => v !== null && v !== undefined).join(", "));
  }

  it.skipIf(skip !== undefined)("stores policies in casbin_rule and loads them back", async () => {
    const adapter = new MikroOrmAdapter(db.database.orm);
    const enforcer = await newEnforcer(newModelFromString(RBAC_WITH_DOMAINS_MODEL), adapter);
    await enforcer.addPolicy("tool-user", "*", "kled.mcp.v1.McpService", "*");
    await enforcer.addPolicies([
      ["reader", "acme", "kled.test.v1.EchoService", "Echo"],
      ["reader", "acme", "kled.test.v1.EchoService", "Count"],
    ]);
    await enforcer.addGroupingPolicy("alice", "reader", "acme");
    expect(await rows()).toEqual([
      "p, tool-user, *, kled.mcp.v1.McpService, *",
      "p, reader, acme, kled.test.v1.EchoService, Echo",
      "p, reader, acme, kled.test.v1.EchoService, Count",
      "g, alice, reader, acme",
    ]);
    // A second enforcer on the same table sees the same policy.
    const other = await newEnforcer(newModelFromString(RBAC_WITH_DOMAINS_MODEL), new MikroOrmAdapter(db.database.orm));
    expect(await other.enforce("alice", "acme", "kled.test.v1.EchoService", "Count")).toBe(true);
    expect(await other.getPolicy()).toHaveLength(3);

    await enforcer.removePolicy("reader", "acme", "kled.test.v1.EchoService", "Count");
    await enforcer.removePolicies([["tool-user", "*", "kled.mcp.v1.McpService", "*"]]);
    expect(await rows()).toEqual(["p, reader, acme, kled.test.v1.EchoService, Echo", "g, alice, reader, acme"]);

    await enforcer.addPolicy("writer", "acme", "kled.test.v1.EchoService", "Sum");
    await enforcer.addPolicy("writer", "globex", "kled.test.v1.EchoService", "Sum");
    await enforcer.removeFilteredPolicy(0, "writer", "", "kled.test.v1.EchoService");
    expect(await rows()).toEqual(["p, reader, acme, kled.test.v1.EchoService, Echo", "g, alice, reader, acme"]);

    // savePolicy replaces the table with the enforcer's whole policy.
    enforcer.clearPolicy();
    await enforcer.addNamedPolicy("p", "x", "y", "z", "w");
    await enforcer.savePolicy();
    expect(await rows()).toEqual(["p, x, y, z, w"]);
  });

  it.skipIf(skip !== undefined)("feeds a CasbinAuthorizer", async () => {
    const authorizer = await CasbinAuthorizer.create({ adapter: new MikroOrmAdapter(db.database.orm), logger: silentLogger });
    await authorizer.addPolicy("ops", "*", "kled.*", "*");
    await authorizer.addRoleForUser("olga", "ops", "*");
    expect(await authorizer.enforce("olga", "anywhere", "kled.agent.v1.AgentService", "CancelTask")).toBe(true);
    const fresh = await CasbinAuthorizer.create({ adapter: new MikroOrmAdapter(db.database.orm), logger: silentLogger });
    expect(await fresh.enforce("olga", "anywhere", "kled.agent.v1.AgentService", "CancelTask")).toBe(true);
  });

  it("refuses an ORM without the casbin_rule mapping", async () => {
    const { Database } = await import("@kled/runtime/mikro-orm");
    const bare = await Database.open({ url: "sqlite::memory:", entities: [], logger: silentLogger });
    try {
      expect(() => new MikroOrmAdapter(bare.orm)).toThrow(/add CasbinRuleSchema/);
    } finally {
      await bare.close();
    }
  });
});
