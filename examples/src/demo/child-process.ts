import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { paint } from "./output.js";

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A service started as a child process of the demo, its output printed line
 * by line behind a `[name]` prefix.
 */
export class ServiceProcess {
  readonly #child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | undefined;

  /**
   * Runs `script` with this process's Node and its `execArgv`, so the tsx
   * loader and the `kled:source` condition carry over.
   */
  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.#child = spawn(process.execPath, [...process.execArgv, script], { env, stdio: ["ignore", "pipe", "pipe"] });
    const prefix = paint("dim", `[${name}]`.padEnd(9));
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on("line", (line) => process.stdout.write(`  ${prefix} ${line}\n`));
    }
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      this.#child.once("error", (error) => {
        process.stdout.write(`  ${prefix} cannot start: ${error.message}\n`);
        this.#exit = { code: null, signal: null };
        resolve(this.#exit);
      });
    });
  }

  /** How it ended, or undefined while it runs. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /**
   * Sends SIGTERM and waits up to `timeoutMs` for the process to exit; kills
   * it with SIGKILL after that. Resolves with how it ended and whether it had
   * to be killed.
   */
  async stop(timeoutMs: number): Promise<ChildExit & { killed: boolean }> {
    if (this.#exit !== undefined) return { ...this.#exit, killed: false };
    this.#child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first !== "timeout") return { ...first, killed: false };
    this.#child.kill("SIGKILL");
    return { ...(await this.exited), killed: true };
  }
}
