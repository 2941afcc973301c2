import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: example processes run from there so that `--import tsx` resolves. */
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Milliseconds a process gets to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

/** An example process (examples/src/…/main.ts) started from its TypeScript source. */
export interface ExampleProcess {
  readonly child: ChildProcess;
  /** What it wrote to stderr so far (the console logger's JSON lines), for failure messages. */
  stderr(): string;
  /** Resolves with its exit code or signal once it has exited. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL, as a crash: nothing runs on its way out. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a while; resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * Starts `examples/src/<entry>` with the project's Node (this process's:
 * vitest runs on Node 24) as `node --conditions=kled:source --import tsx`,
 * the way the demo starts them, with `env` added to this process's
 * environment (a value of undefined removes a variable).
 */
export function startExampleProcess(entry: string, args: readonly string[], env: Record<string, string | undefined>): ExampleProcess {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", fileURLToPath(new URL(`../../../examples/src/${entry}`, import.meta.url)), ...args], {
    cwd: REPO_ROOT,
    env: merged,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
  });
  const gone = async (): Promise<void> => void (await exited);
  return {
    child,
    stderr: () => stderr,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await gone();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await gone();
      clearTimeout(timer);
    },
  };
}
