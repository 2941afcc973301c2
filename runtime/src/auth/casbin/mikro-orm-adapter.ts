import type { EntityManager, FilterQuery, MikroORM, RequiredEntityData } from "@mikro-orm/core";
import type { BatchAdapter, Model } from "casbin";
import { isMapped } from "../../data/is-mapped.js";
import { CasbinRuleSchema, RULE_COLUMNS, type CasbinRule } from "./casbin-rule.js";

/**
 * A Casbin adapter keeping policies in the standard `casbin_rule` table
 * (id, ptype, v0…v5) through MikroORM 6, so PostgreSQL and SQLite both
 * work. Every change is its own transaction. Pair it with a watcher
 * (RedisWatcher) so that other instances reload when a policy changes.
 */
export class MikroOrmAdapter implements BatchAdapter {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    if (!isMapped(orm.getMetadata(), CasbinRuleSchema)) {
      throw new Error("MikroOrmAdapter: casbin_rule is not mapped; add CasbinRuleSchema to the ORM's entities");
    }
    this.#orm = orm;
  }

  async loadPolicy(model: Model): Promise<void> {
    const rows = await this.#orm.em.fork().find(CasbinRuleSchema, {}, { orderBy: { id: "asc" } });
    for (const row of rows) {
      const values = valuesOf(row);
      // The section is the ptype's letter: p2 → p, g2 → g.
      model.addPolicy(row.ptype.slice(0, 1), row.ptype, values);
    }
  }

  /** Replaces every stored rule with the model's, in one transaction. */
  async savePolicy(model: Model): Promise<boolean> {
    const rows: RequiredEntityData<CasbinRule>[] = [];
    for (const sec of ["p", "g"]) {
      for (const [ptype, assertion] of model.model.get(sec) ?? new Map()) {
        for (const rule of assertion.policy) rows.push(rowOf(ptype, rule));
      }
    }
    await this.#transaction(async (em) => {
      await em.nativeDelete(CasbinRuleSchema, {});
      if (rows.length > 0) await em.insertMany<CasbinRule>(CasbinRuleSchema, rows);
    });
    return true;
  }

  async addPolicy(_sec: string, ptype: string, rule: string[]): Promise<void> {
    await this.#orm.em.fork().insert(CasbinRuleSchema, rowOf(ptype, rule));
  }

  async addPolicies(_sec: string, ptype: string, rules: string[][]): Promise<void> {
    if (rules.length === 0) return;
    await this.#transaction((em) => em.insertMany<CasbinRule>(CasbinRuleSchema, rules.map((rule) => rowOf(ptype, rule))));
  }

  async removePolicy(_sec: string, ptype: string, rule: string[]): Promise<void> {
    await this.#orm.em.fork().nativeDelete(CasbinRuleSchema, exactly(ptype, rule));
  }

  async removePolicies(_sec: string, ptype: string, rules: string[][]): Promise<void> {
    await this.#transaction(async (em) => {
      for (const rule of rules) await em.nativeDelete(CasbinRuleSchema, exactly(ptype, rule));
    });
  }

  /** Removes the rules of `ptype` whose values from `fieldIndex` on match; an empty value matches anything. */
  async removeFilteredPolicy(_sec: string, ptype: string, fieldIndex: number, ...fieldValues: string[]): Promise<void> {
    const where: Record<string, string> = { ptype };
    fieldValues.forEach((value, offset) => {
      const column = RULE_COLUMNS[fieldIndex + offset];
      if (column === undefined) {
        throw new Error(`casbin_rule has no column for field ${fieldIndex + offset}; rules have at most ${RULE_COLUMNS.length} values`);
      }
      if (value !== "") where[column] = value;
    });
    await this.#orm.em.fork().nativeDelete(CasbinRuleSchema, where as FilterQuery<CasbinRule>);
  }

  async #transaction(work: (em: EntityManager) => Promise<unknown>): Promise<void> {
    await this.#orm.em.fork().transactional(async (em) => {
      await work(em);
    });
  }
}

function valuesOf(row: CasbinRule): string[] {
  const values = RULE_COLUMNS.map((column) => row[column] ?? "");
  while (values.length > 0 && values.at(-1) === "") values.pop();
  return values;
}

function rowOf(ptype: string, rule: readonly string[]): RequiredEntityData<CasbinRule> {
  if (rule.length > RULE_COLUMNS.length) {
    throw new Error(`casbin rule ${ptype}, ${rule.join(", ")}: has ${rule.length} values; casbin_rule holds at most ${RULE_COLUMNS.length}`);
  }
  const row: RequiredEntityData<CasbinRule> = { ptype };
  rule.forEach((value, index) => {
    row[RULE_COLUMNS[index] as (typeof RULE_COLUMNS)[number]] = value;
  });
  return row;
}

/** The row holding exactly `rule`: its values, and nothing in the columns after them. */
function exactly(ptype: string, rule: readonly string[]): FilterQuery<CasbinRule> {
  const where: Record<string, string | null> = { ptype };
  RULE_COLUMNS.forEach((column, index) => {
    where[column] = rule[index] ?? null;
  });
  return where as FilterQuery<CasbinRule>;
}
