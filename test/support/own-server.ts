import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";

/** How often a starting server is probed, in milliseconds: quick to notice it, light on a 2-core machine. */
const PROBE_INTERVAL_MS = 50;

export interface OwnServerSpawn {
  /** Names the server in errors, e.g. `nats-server`. */
  readonly name: string;
  readonly port: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly stdio: StdioOptions;
  /** Resolves once the server answers; rejects while it does not yet. */
  readonly ping: () => Promise<void>;
  /** How long the server gets to start answering, in milliseconds. */
  readonly timeoutMs: number;
  /** Told of the process as soon as it is spawned, before it answers, so the caller can stop it meanwhile. */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/**
 * Starts a server process of the test's own and resolves once `ping` succeeds.
 * The process is SIGKILLed when the test process exits, so it never outlives
 * it even when a hook times out before the test stops it; it is SIGKILLed too
 * when it does not answer within `timeoutMs`. Rejects, naming the server and
 * its port, when it exits before answering.
 */
export async function spawnOwnServer(options: OwnServerSpawn): Promise<ChildProcess> {
  const { name, port, timeoutMs } = options;
  const child = spawn(options.command, options.args, { stdio: options.stdio });
  options.onSpawn?.(child);
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} on port ${port} exited with code ${child.exitCode}`);
    try {
      await options.ping();
      return child;
    } catch (error) {
      if (performance.now() - started > timeoutMs) {
        child.kill("SIGKILL");
        throw new Error(`${name} on port ${port} did not answer within ${timeoutMs} ms`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  }
}
