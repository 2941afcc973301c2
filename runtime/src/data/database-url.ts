/** The environment variable naming the database, e.g. `postgresql://user@host:5432/db` or `sqlite:./kled.db`. */
export const DATABASE_URL_ENV = "KLED_DATABASE_URL";

/**
 * An embedded SQLite database in memory: nothing to install or clean up,
 * and nothing survives a restart. Set `KLED_DATABASE_URL=sqlite:./kled.db`
 * to keep data in a file, or a `postgresql://` URL for deployments.
 */
export const DEFAULT_DATABASE_URL = "sqlite::memory:";

/** Where a database is, by driver. */
export type DatabaseLocation =
  | {
      readonly kind: "postgresql";
      /** The URL the pg driver connects with (without `schema`). */
      readonly clientUrl: string;
      /** The schema (namespace) tables live in, from `?schema=`; default the server's search path. */
      readonly schema: string | undefined;
    }
  | {
      readonly kind: "sqlite";
      /** A file path, `:memory:`, or a remote `libsql://` URL. */
      readonly dbName: string;
    };

/**
 * Reads a database URL:
 * - `postgresql://…` or `postgres://…`, optionally with `?schema=name`;
 * - `sqlite::memory:`, `sqlite:relative/file.db`, `sqlite:///absolute/file.db`,
 *   `file:…` likewise, `libsql:file.db` (embedded, through libsql);
 * - `libsql://host…` (a remote libsql server).
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  switch (scheme) {
    case "postgresql":
    case "postgres":
      return postgresql(trimmed);
    case "libsql":
      if (trimmed.startsWith("libsql://")) return { kind: "sqlite", dbName: trimmed };
      return { kind: "sqlite", dbName: sqlitePath(trimmed, "libsql:") };
    case "sqlite":
    case "file":
      return { kind: "sqlite", dbName: sqlitePath(trimmed, `${scheme}:`) };
    default:
      throw new Error(
        `database URL ${JSON.stringify(redactDatabaseUrl(trimmed))}: unknown scheme; use postgresql://user@host:5432/db, sqlite:path/to/file.db or sqlite::memory:`,
      );
  }
}

function postgresql(url: string): DatabaseLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`database URL ${JSON.stringify(redactDatabaseUrl(url))} is not a valid URL; e.g. postgresql://postgres@127.0.0.1:5432/test`);
  }
  const schema = parsed.searchParams.get("schema") ?? undefined;
  parsed.searchParams.delete("schema");
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`database URL: schema ${JSON.stringify(schema)} must be a plain identifier (letters, digits, "_")`);
  }
  return { kind: "postgresql", clientUrl: parsed.toString(), schema };
}

function sqlitePath(url: string, prefix: string): string {
  let path = url.slice(prefix.length);
  // sqlite:///abs/file → /abs/file; sqlite://rel/file → rel/file
  if (path.startsWith("//")) path = path.slice(2);
  if (path === "" ) throw new Error(`database URL ${JSON.stringify(url)} names no file; use ${prefix}path/to/file.db or ${prefix}:memory:`);
  return path;
}

/** The URL with any password replaced by `***`, for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}
