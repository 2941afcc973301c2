/**
 * Running buf as the project's npm scripts do: with node_modules/.bin on
 * PATH, which is how buf finds the `local:` plugins protoc-gen-es and
 * protoc-gen-kled (a bare node_modules/.bin/buf does not).
 */
import { spawn } from "node:child_process";
import { delimiter, join } from "node:path";
import { REPO_ROOT } from "../support/paths.js";

const BIN = join(REPO_ROOT, "node_modules", ".bin");

/** Runs `buf …args` in `cwd`; resolves to its wall time in ms. */
export function buf(args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(join(BIN, "buf"), args, {
      cwd,
      env: { ...process.env, PATH: `${BIN}${delimiter}${process.env["PATH"] ?? ""}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`buf ${args.join(" ")} (in ${cwd}) exited with ${code}: ${stderr.trim()}`));
    });
  });
}
