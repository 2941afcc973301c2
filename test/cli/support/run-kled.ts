import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The bin shim users run (`npx kled`). */
export const KLED_BIN = fileURLToPath(new URL("../../../cli/bin/kled.js", import.meta.url));

/** The repository root: the fixture services run from there so that `--import tsx` resolves. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface KledResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kled …args` in `cwd`; resolves with how it ended. */
export type RunKled = (cwd: string, ...args: string[]) => Promise<KledResult>;

/** A `kled` process still running: its handle, and how it ends. */
export interface RunningKled {
  child: ChildProcess;
  /** What it has printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when it has exited and its output is closed. */
  done: Promise<KledResult>;
}

/**
 * Runners of `kled` through the bin shim, from the TypeScript sources
 * (KLED_CLI_SOURCE=1: never a stale build), on mDNS, with `env` added to
 * this process's environment (the services `kled service start` spawns
 * inherit it). `kledOk` returns stdout and fails the test, quoting stderr,
 * on a non-zero exit; `startKled` returns at once, for commands that run
 * until told to stop (`kled subscribe`).
 */
export function createKled(env: Record<string, string>): {
  kled: RunKled;
  kledOk: (cwd: string, ...args: string[]) => Promise<string>;
  startKled: (cwd: string, ...args: string[]) => RunningKled;
} {
  const startKled = (cwd: string, ...args: string[]): RunningKled => {
    const child = spawn(process.execPath, [KLED_BIN, ...args], {
      cwd,
      env: { ...process.env, KLED_REGISTRY: "mdns", KLED_CLI_SOURCE: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const done = new Promise<KledResult>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
    return { child, output: () => ({ stdout, stderr }), done };
  };
  const kled: RunKled = (cwd, ...args) => startKled(cwd, ...args).done;
  const kledOk = async (cwd: string, ...args: string[]): Promise<string> => {
    const result = await kled(cwd, ...args);
    if (result.code !== 0) throw new Error(`kled ${args.join(" ")} exited with ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  return { kled, kledOk, startKled };
}
