/**
 * One fresh Node process per measurement: spawned, awaited, and its last
 * stdout line read as JSON. A process that fails or prints no JSON fails the
 * measurement with its stderr, so that no figure comes from a broken run.
 */
import { spawn } from "node:child_process";
import { REPO_ROOT } from "../support/paths.js";

/** A process that has not ended by then hangs; the slowest measured here takes about a second. */
const PROCESS_TIMEOUT_MS = 60_000;

/** Runs `process.execPath` with `args` in the repository root; resolves to its last stdout line, parsed. */
export function runNode<T>(args: readonly string[], env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), PROCESS_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as T);
      else reject(new Error(`node ${args.join(" ")} exited with ${code ?? signal}: ${stderr.trim() || stdout.trim() || "no output"}`));
    });
  });
}
