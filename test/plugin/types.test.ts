import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, tscBin } from "./support/paths.js";

/**
 * Runs tsc over test/plugin/types, where classes implement the generated
 * EchoServiceHandler and code calls the generated client, with
 * `@ts-expect-error` on what must not compile. An unused expectation is an
 * error too, so the suite fails when the generated types get looser as well
 * as when they break.
 */
describe("generated types", () => {
  it("accept correct handlers and calls, and reject wrong ones", () => {
    const result = spawnSync(tscBin, ["-p", join(repoRoot, "test", "plugin", "types", "tsconfig.json")], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);
});
