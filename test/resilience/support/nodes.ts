/**
 * Echo service processes for the resilience tests (fixtures/echo-node.ts),
 * and a static resolver that lists them: the client knows every node up
 * front, like a registry whose entry for a dead node has not expired yet,
 * which is exactly when breakers and retries matter.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Resolver, ServiceRecord } from "@kled/runtime";

/** The registered name the fixture serves under. */
export const SERVICE = "resilience-echo";

const FIXTURE = fileURLToPath(new URL("../fixtures/echo-node.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** How long a child may take to compile, listen and report; generous for loaded CI machines. */
const READY_TIMEOUT_MS = 20_000;
/** How long a child may take to answer an IPC command. */
const COMMAND_TIMEOUT_MS = 5_000;

export type Mode = "ok" | "unavailable" | "slow";

/** What a node counted: calls that reached it, and calls its rate limit refused. */
export interface NodeStats {
  echo: number;
  count: number;
  rateLimited: number;
}

export interface EchoNode {
  readonly name: string;
  readonly address: string;
  readonly pid: number;
  setMode(mode: Mode, delayMs?: number): Promise<void>;
  stats(): Promise<NodeStats>;
  /** Kills the process with `signal` and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts one node per name, in parallel, with `env` added to each child's environment. */
export async function startNodes(names: readonly string[], env: Record<string, string> = {}): Promise<EchoNode[]> {
  const started = await Promise.allSettled(names.map((name) => startNode(name, env)));
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    await stopNodes(nodes);
    throw failure.reason;
  }
  return nodes;
}

/** Kills every node still running. */
export async function stopNodes(nodes: readonly EchoNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.kill("SIGKILL")));
}

/** A resolver that lists `nodes` (ids are their names), whatever state they are in. */
export function staticResolver(nodes: readonly EchoNode[]): Resolver {
  const record: ServiceRecord = {
    name: SERVICE,
    version: "1",
    metadata: {},
    endpoints: [],
    nodes: nodes.map((node) => ({ id: node.name, address: node.address, metadata: {} })),
  };
  return async (name) => (name === SERVICE ? [record] : []);
}

async function startNode(name: string, env: Record<string, string>): Promise<EchoNode> {
  const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", FIXTURE], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, KLED_NODE_NAME: name },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const replies: Array<(message: unknown) => void> = [];
  const ready = new Promise<{ address: string; pid: number }>((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`node ${name} exited (${code ?? signal}) before it was ready: ${stderr}`)));
    child.on("message", (message: { ready?: boolean; address?: string; pid?: number }) => {
      if (message.ready === true) resolve({ address: message.address ?? "", pid: message.pid ?? 0 });
      else replies.shift()?.(message);
    });
  });
  const { address, pid } = await within(ready, READY_TIMEOUT_MS, `node ${name} ready`, () => child.kill("SIGKILL"));

  const command = <T>(message: object): Promise<T> => {
    const reply = new Promise<T>((resolve) => replies.push(resolve as (message: unknown) => void));
    child.send(message);
    return within(reply, COMMAND_TIMEOUT_MS, `node ${name} answering ${JSON.stringify(message)}`);
  };
  return {
    name,
    address,
    pid,
    setMode: async (mode, delayMs = 0) => void (await command({ cmd: "mode", mode, delayMs })),
    stats: () => command<NodeStats>({ cmd: "stats" }),
    kill: (signal = "SIGKILL") => kill(child, signal),
  };
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await within(exited, COMMAND_TIMEOUT_MS, `process ${child.pid} exiting on ${signal}`);
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: not within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
