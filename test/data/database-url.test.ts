import { parseDatabaseUrl, redactDatabaseUrl } from "@kled/runtime/mikro-orm";
import { describe, expect, it } from "vitest";

describe("database URLs", () => {
  it("reads PostgreSQL URLs, with an optional schema", () => {
    expect(parseDatabaseUrl("postgresql://postgres@127.0.0.1:5432/test")).toEqual({
      kind: "postgresql",
      clientUrl: "postgresql://postgres@127.0.0.1:5432/test",
      schema: undefined,
    });
    expect(parseDatabaseUrl("postgres://u:p@db/app?schema=tenant_1&sslmode=require")).toEqual({
      kind: "postgresql",
      clientUrl: "postgres://u:p@db/app?sslmode=require",
      schema: "tenant_1",
    });
    expect(() => parseDatabaseUrl("postgresql://db/app?schema=x;drop")).toThrow(/must be a plain identifier/);
  });

  it("reads embedded SQLite URLs in their common forms", () => {
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ kind: "sqlite", dbName: ":memory:" });
    expect(parseDatabaseUrl("sqlite:data/kled.db")).toEqual({ kind: "sqlite", dbName: "data/kled.db" });
    expect(parseDatabaseUrl("sqlite:///var/lib/kled.db")).toEqual({ kind: "sqlite", dbName: "/var/lib/kled.db" });
    expect(parseDatabaseUrl("file:kled.db")).toEqual({ kind: "sqlite", dbName: "kled.db" });
    expect(parseDatabaseUrl("libsql:kled.db")).toEqual({ kind: "sqlite", dbName: "kled.db" });
    expect(parseDatabaseUrl("libsql://my-db.turso.io")).toEqual({ kind: "sqlite", dbName: "libsql://my-db.turso.io" });
  });

  it("refuses unknown schemes without leaking the password", () => {
    expect(() => parseDatabaseUrl("mysql://root:secret@db/app")).toThrow(
      'database URL "mysql://root:***@db/app": unknown scheme; use postgresql://user@host:5432/db, sqlite:path/to/file.db or sqlite::memory:',
    );
    expect(redactDatabaseUrl("postgresql://u:hunter2@h/db")).toBe("postgresql://u:***@h/db");
  });
});
