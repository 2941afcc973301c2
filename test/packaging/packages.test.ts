/**
 * What each published package ships, as `npm pack` lays it out: the build
 * its prepack script makes, its README and LICENSE, every export target,
 * and nothing else (no tests, specs, build info). Also the promises of the
 * package.json files that users rely on: one version for all, peers for
 * the libraries whose types cross into users' code, Node 22 as the floor.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../plugin/support/paths.js";

const PUBLISHED = ["plugin", "runtime", "cli"] as const;
/** Building a package (tsc) on pack takes ~20 s on these machines. */
const PACK_TIMEOUT_MS = 180_000;

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: unknown;
  engines?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8")) as Manifest;
}

/** The files `npm pack` puts in the tarball of workspace `dir` (running its prepack build). */
function packedFiles(dir: string): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts=false", "-w", dir], {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  // npm prints the build's output before the JSON.
  const json = JSON.parse(out.slice(out.indexOf("[\n"))) as [{ files: { path: string }[] }];
  return json[0].files.map((file) => file.path).sort();
}

function exportTargets(pkg: Manifest): string[] {
  const targets: string[] = [];
  for (const value of Object.values(pkg.exports ?? {})) {
    if (typeof value === "string") targets.push(value);
    else for (const [condition, target] of Object.entries(value)) if (condition !== "kled:source") targets.push(target);
  }
  return targets.map((target) => target.replace(/^\.\//, ""));
}

describe("published packages", () => {
  const manifests = Object.fromEntries(PUBLISHED.map((dir) => [dir, manifest(dir)]));

  it("move together: one version, Apache-2.0, a repository, Node >= 22", () => {
    const versions = new Set(PUBLISHED.map((dir) => manifests[dir]!.version));
    expect([...versions]).toHaveLength(1);
    for (const dir of PUBLISHED) {
      const pkg = manifests[dir]!;
      expect(pkg.license, dir).toBe("Apache-2.0");
      expect(pkg.repository, dir).toMatchObject({ type: "git", directory: dir });
      expect(pkg.engines?.["node"], dir).toBe(">=22");
    }
    expect(manifests["cli"]!.dependencies?.["@kled/runtime"]).toBe(manifests["runtime"]!.version);
  });

  it("share @bufbuild/protobuf and grpc-js with the user's project as peers; integrations are optional peers", () => {
    const runtime = manifests["runtime"]!;
    for (const shared of ["@bufbuild/protobuf", "@grpc/grpc-js"]) {
      expect(runtime.peerDependencies?.[shared], shared).toBeDefined();
      expect(runtime.dependencies?.[shared], shared).toBeUndefined();
    }
    expect(manifests["plugin"]!.peerDependencies?.["@bufbuild/protobuf"]).toBeDefined();
    for (const library of ["ioredis", "casbin", "jose", "consul", "@mikro-orm/core", "@mikro-orm/postgresql", "@mikro-orm/libsql"]) {
      expect(runtime.peerDependenciesMeta?.[library]?.optional, library).toBe(true);
      expect(runtime.dependencies?.[library], library).toBeUndefined();
    }
  });

  it.each(PUBLISHED)("%s ships its build, README, LICENSE and every export target, and no tests", (dir) => {
    const pkg = manifests[dir]!;
    const files = packedFiles(dir);
    for (const required of ["package.json", "README.md", "LICENSE", ...exportTargets(pkg), ...Object.values(pkg.bin ?? {}).map((b) => b.replace(/^\.\//, ""))]) {
      expect(files, `${dir} is missing ${required}`).toContain(required);
    }
    const unwanted = files.filter((file) => /\.(spec|test)\.[cm]?[jt]s$|tsbuildinfo$|^test\/|^node_modules\//.test(file));
    expect(unwanted).toEqual([]);
    // Every export that has types has them next to its code.
    for (const value of Object.values(pkg.exports ?? {})) {
      if (typeof value !== "string") expect(Object.keys(value), `${dir} export without types`).toContain("types");
    }
    if (dir === "plugin") expect(files).toContain("proto/kled/options/v1/options.proto");
  }, PACK_TIMEOUT_MS);
});
