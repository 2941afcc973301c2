import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@kled/runtime";
import { Database, type AnyEntitySchema } from "@kled/runtime/mikro-orm";

/** A database of its own for one test file: a fresh PostgreSQL schema, or a fresh SQLite file. */
export interface TestDatabase {
  readonly database: Database;
  /** Opens it again, as another process or instance would (same URL). */
  readonly url: string;
  /** Closes and removes it (drops the schema, deletes the file). */
  cleanup(): Promise<void>;
}

/**
 * Opens an isolated database with `entities`' tables created, so that test
 * files run in parallel without seeing each other's rows. `postgresUrl` is
 * the server to use (requirePostgres's URL); without it, SQLite.
 */
export async function openTestDatabase(entities: readonly AnyEntitySchema[], postgresUrl?: string): Promise<TestDatabase> {
  if (postgresUrl === undefined) {
    const dir = await mkdtemp(join(tmpdir(), "kled-test-db-"));
    const url = `sqlite:${join(dir, "test.db")}`;
    const database = await Database.open({ url, entities, logger: silentLogger });
    await database.ensureSchema();
    return {
      database,
      url,
      async cleanup() {
        await database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `kled_test_${randomBytes(6).toString("hex")}`;
  const url = `${postgresUrl}${postgresUrl.includes("?") ? "&" : "?"}schema=${schema}`;
  // A connection pool big enough for the concurrency tests (PostgreSQL allows 100 by default).
  const database = await Database.open({ url, entities, logger: silentLogger, pool: { min: 0, max: 20 } });
  await database.ensureSchema();
  return {
    database,
    url,
    async cleanup() {
      await database.orm.em.getConnection().execute(`drop schema if exists "${schema}" cascade`);
      await database.close();
    },
  };
}
