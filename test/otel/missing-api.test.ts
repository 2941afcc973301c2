/**
 * Without @opentelemetry/api installed, importing @kled/runtime/otel fails
 * with a message naming the package and the command that installs it, not
 * Node's bare "Cannot find package". A child process hides the package
 * with a module-resolution hook, so Node itself reports it missing.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const hook = fileURLToPath(new URL("./support/hide-package.mjs", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

async function importOtelWithout(pkg: string): Promise<{ code: number; output: string }> {
  const script = `import("@kled/runtime/otel").then(() => console.log("IMPORTED"), (error) => { console.log(error.name + ": " + error.message); process.exitCode = 3; });`;
  try {
    const { stdout } = await run(process.execPath, ["--conditions=kled:source", "--import", "tsx", "--import", hook, "--input-type=module", "-e", script], {
      cwd: root,
      env: { ...process.env, KLED_HIDE_PACKAGE: pkg },
      timeout: 60_000,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("a missing @opentelemetry/api", () => {
  it("fails the import of @kled/runtime/otel naming the package and how to install it", async () => {
    const { code, output } = await importOtelWithout("@opentelemetry/api");
    expect(output).toContain(
      'MissingPeerError: @kled/runtime/otel needs the package "@opentelemetry/api", an optional peer dependency of @kled/runtime that is not installed; install it with: npm install @opentelemetry/api',
    );
    expect(code).toBe(3);
  });

  it("imports when the package is there (the hook hides only what it is told to)", async () => {
    const { code, output } = await importOtelWithout("@kled/not-a-package");
    expect(output).toContain("IMPORTED");
    expect(code).toBe(0);
  });
});
