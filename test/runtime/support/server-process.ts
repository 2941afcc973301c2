import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../fixtures/defense-server.ts", import.meta.url));
/** Starting Node with tsx takes a few hundred milliseconds; allow for a loaded machine. */
const READY_TIMEOUT_MS = 15_000;

/** The echo server of fixtures/defense-server.ts in a child process. */
export interface ServerProcess {
  readonly address: string;
  readonly child: ChildProcess;
  /** Sends a command line and resolves with the number it answers. */
  ask(command: "heap" | "cpu"): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the server child with `options` (JSON KledServerOptions),
 * `--expose-gc`, and at most `maxDescriptors` open files when given.
 */
export async function startServerProcess(
  options: Record<string, unknown> = {},
  { maxDescriptors, env }: { maxDescriptors?: number; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const node = [process.execPath, "--expose-gc", "--conditions=kled:source", "--import", "tsx", FIXTURE, JSON.stringify(options)];
  const quoted = node.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  const child =
    maxDescriptors === undefined
      ? spawn(node[0]!, node.slice(1), { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } })
      : spawn("sh", ["-c", `ulimit -n ${maxDescriptors} && exec ${quoted}`], {
          stdio: ["pipe", "pipe", "inherit"],
          env: { ...process.env, ...env },
        });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (prefix: string): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server child did not answer "${prefix}" within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    try {
      const line = await Promise.race([lines.next(), timeout]);
      const text = String(line.value ?? "");
      if (!text.startsWith(`${prefix} `)) throw new Error(`server child answered "${text}", expected "${prefix} …"`);
      return text.slice(prefix.length + 1);
    } finally {
      clearTimeout(timer);
    }
  };
  const address = await next("ready");
  return {
    address,
    child,
    async ask(command) {
      child.stdin!.write(`${command}\n`);
      return Number(await next(command));
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
