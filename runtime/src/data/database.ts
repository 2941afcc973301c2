import type { EntityManager, EntitySchema, Options } from "@mikro-orm/core";
import { MikroORM } from "../peers/mikro-orm.js";
import { isMissingPeer, loadPeer } from "../peers/load-peer.js";
import { messageOf } from "../errors/message-of.js";
import { consoleLogger } from "../logging/console-logger.js";
import type { Logger } from "../logging/logger.js";
import { isMapped } from "./is-mapped.js";
import { DATABASE_URL_ENV, DEFAULT_DATABASE_URL, parseDatabaseUrl, redactDatabaseUrl } from "./database-url.js";

/** An entity schema of any entity type (`any`: EntitySchema is invariant in its entity type). */
export type AnyEntitySchema = EntitySchema<any, any>;

/** Options of {@link Database.open}. */
export interface DatabaseOptions {
  /** Default: `KLED_DATABASE_URL`, else {@link DEFAULT_DATABASE_URL}. See database-url.ts for the forms. */
  readonly url?: string;
  /** The entities (MikroORM `EntitySchema`s) to map, e.g. `[TaskSchema, OutboxMessageSchema]`. */
  readonly entities: readonly AnyEntitySchema[];
  /** Connections kept by the pool. Default: the driver's (PostgreSQL up to 10; SQLite 1, which serializes transactions). */
  readonly pool?: { readonly min?: number; readonly max?: number };
  /** Log every SQL statement at debug level. Default false. */
  readonly debug?: boolean;
  /** Default: a console logger. */
  readonly logger?: Logger;
}

/** Which SQL database a {@link Database} talks to; the outbox relay locks rows differently on each. */
export type DatabaseKind = "postgresql" | "sqlite";

/**
 * A MikroORM instance on PostgreSQL or embedded SQLite (libsql), chosen by
 * URL. Work with it through transactions (transactionMiddleware,
 * withTransaction): each gets its own forked EntityManager.
 */
export class Database {
  private constructor(
    readonly orm: MikroORM,
    readonly kind: DatabaseKind,
    /** The URL without its password, for logs. */
    readonly url: string,
    readonly logger: Logger,
  ) {}

  /** Connects; throws naming the URL (without password) when the database cannot be reached. */
  static async open(options: DatabaseOptions): Promise<Database> {
    const url = options.url ?? process.env[DATABASE_URL_ENV]?.trim() ?? DEFAULT_DATABASE_URL;
    const location = parseDatabaseUrl(url === "" ? DEFAULT_DATABASE_URL : url);
    const logger = (options.logger ?? consoleLogger()).child({ database: location.kind });
    const common: Partial<Options> = {
      entities: [...options.entities],
      debug: options.debug ?? false,
      logger: (message) => logger.debug(message),
      // Each unit of work runs on its own fork; a stray use of the global manager is a bug.
      allowGlobalContext: false,
      discovery: { warnWhenNoEntities: false },
      ...(options.pool === undefined ? {} : { pool: { ...options.pool } }),
    };
    let orm: MikroORM;
    try {
      const config: Partial<Options> =
        location.kind === "postgresql"
          ? {
              ...common,
              driver: await postgresDriver(),
              clientUrl: location.clientUrl,
              ...(location.schema === undefined ? {} : { schema: location.schema }),
            }
          : { ...common, driver: await sqliteDriver(), dbName: location.dbName };
      orm = await MikroORM.init(config);
      await orm.em.getConnection().execute("select 1");
    } catch (error) {
      if (isMissingPeer(error)) throw error;
      throw new Error(
        `database ${redactDatabaseUrl(url)}: cannot connect (${messageOf(error)}); is it running, and does ${DATABASE_URL_ENV} name it?`,
        { cause: error },
      );
    }
    return new Database(orm, location.kind, redactDatabaseUrl(url), logger);
  }

  /**
   * Creates missing tables and columns of the mapped entities, never
   * dropping anything: for examples, tests and first runs. Deployments
   * should manage their schema with migrations instead.
   */
  async ensureSchema(): Promise<void> {
    await this.orm.schema.update({ safe: true, dropTables: false });
  }

  /** Drops the mapped entities' tables (tests). */
  async dropSchema(): Promise<void> {
    await this.orm.schema.drop({ dropMigrationsTable: false });
  }

  /** A fresh EntityManager outside any transaction, for reads that need none. */
  fork(): EntityManager {
    return this.orm.em.fork({ clear: true });
  }

  /** True when `entity` is mapped, e.g. to check that a module's schema was registered. */
  maps(entity: AnyEntitySchema): boolean {
    return isMapped(this.orm.getMetadata(), entity);
  }

  async close(): Promise<void> {
    await this.orm.close(true);
  }
}

type DriverClass = NonNullable<Options["driver"]>;

/*
 * Each SQL driver is an optional peer loaded only when a URL names it: a
 * PostgreSQL deployment never loads libsql, and each costs ~0.4 s to import.
 */
async function postgresDriver(): Promise<DriverClass> {
  const { PostgreSqlDriver } = await loadPeer("@mikro-orm/postgresql", "a postgres:// database URL", () => import("@mikro-orm/postgresql"));
  return PostgreSqlDriver;
}

async function sqliteDriver(): Promise<DriverClass> {
  const { LibSqlDriver } = await loadPeer("@mikro-orm/libsql", "a sqlite: database URL", () => import("@mikro-orm/libsql"));
  return LibSqlDriver;
}
