import type { OptionalProps } from "@mikro-orm/core";
import { EntitySchema } from "../../peers/mikro-orm.js";

/** A row of the standard `casbin_rule` table, as every Casbin SQL adapter stores policies. */
export interface CasbinRule {
  /** The database assigns it. */
  [OptionalProps]?: "id";
  id: number;
  /** `p`, `g`, `p2`, … */
  ptype: string;
  v0?: string | null;
  v1?: string | null;
  v2?: string | null;
  v3?: string | null;
  v4?: string | null;
  v5?: string | null;
}

/** The columns holding rule values, in order. */
export const RULE_COLUMNS = ["v0", "v1", "v2", "v3", "v4", "v5"] as const;

/**
 * The `casbin_rule` table's mapping. Add it to `Database.open({ entities })`
 * of the database the {@link MikroOrmAdapter} keeps policies in.
 */
export const CasbinRuleSchema = new EntitySchema<CasbinRule>({
  name: "CasbinRule",
  tableName: "casbin_rule",
  properties: {
    id: { type: "integer", primary: true, autoincrement: true },
    ptype: { type: "string", length: 100 },
    v0: { type: "string", length: 255, nullable: true },
    v1: { type: "string", length: 255, nullable: true },
    v2: { type: "string", length: 255, nullable: true },
    v3: { type: "string", length: 255, nullable: true },
    v4: { type: "string", length: 255, nullable: true },
    v5: { type: "string", length: 255, nullable: true },
  },
});
