import type { EntitySchema, MetadataStorage } from "@mikro-orm/core";

/**
 * True when the ORM maps `schema`'s entity. By class name, not through
 * `MetadataStorage.find(schema)`: MikroORM 7 answers that for any schema
 * object, mapped or not.
 */
export function isMapped(metadata: MetadataStorage, schema: EntitySchema<any, any>): boolean {
  const className = schema.meta.className;
  for (const meta of metadata.getAll().values()) {
    if (meta.className === className) return true;
  }
  return false;
}
