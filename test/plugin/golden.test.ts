import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { requestFor } from "./support/compile-proto.js";
import { repoRoot } from "./support/paths.js";
import { runKled } from "./support/run-plugin.js";

/**
 * Golden files: the expected `_kled.ts` for the flagship protos, generated
 * with the parameter buf.gen.yaml uses. They are stored as `.golden` so the
 * repository's type-check (which includes test/) does not try to compile them
 * without their `_pb.ts` neighbours. `UPDATE_GOLDEN=1` rewrites them.
 */
const goldenDir = join(repoRoot, "test", "golden");
const protoDir = join(repoRoot, "proto");
const flagships = ["kled/mcp/v1/mcp.proto", "kled/agent/v1/agent.proto"];
const parameter = "target=ts,import_extension=js";
const update = process.env["UPDATE_GOLDEN"] === "1";

describe("golden files", () => {
  const present = flagships.filter((f) => existsSync(join(protoDir, f)));
  const generated = present.length > 0 ? runKled(requestFor(protoDir, present, parameter)) : new Map<string, string>();

  it.each(flagships)("%s matches its golden file", (proto) => {
    if (!present.includes(proto)) {
      expect.fail(`proto/${proto} is missing`);
    }
    const name = proto.replace(/\.proto$/, "_kled.ts");
    const content = generated.get(name);
    expect(content, `protoc-gen-kled generated no ${name}`).toBeDefined();
    const goldenPath = join(goldenDir, `${name}.golden`);
    if (update) {
      mkdirSync(dirname(goldenPath), { recursive: true });
      writeFileSync(goldenPath, content ?? "");
    }
    expect(existsSync(goldenPath), `missing ${relative(repoRoot, goldenPath)}; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(content).toBe(readFileSync(goldenPath, "utf8"));
  });

  it("test/gen is current (the type-level tests compile against it)", () => {
    const echo = "kled/test/v1/echo.proto";
    const files = runKled(requestFor(join(repoRoot, "test", "proto"), [echo], parameter));
    const committed = join(repoRoot, "test", "gen", "kled", "test", "v1", "echo_kled.ts");
    expect(existsSync(committed), "run: npm run generate").toBe(true);
    expect(files.get("kled/test/v1/echo_kled.ts"), "test/gen is stale; run: npm run generate").toBe(
      readFileSync(committed, "utf8"),
    );
  });

  it("has no golden file that nothing generates", () => {
    const expected = new Set(flagships.map((p) => p.replace(/\.proto$/, "_kled.ts.golden")));
    const stale = listFiles(goldenDir).filter((f) => f.endsWith("_kled.ts.golden") && !expected.has(f));
    expect(stale).toStrictEqual([]);
  });
});

function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), base) : [relative(base, join(dir, entry.name))],
  );
}
