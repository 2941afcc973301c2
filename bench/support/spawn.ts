/**
 * The orchestrator side: starts a bench program as a child process, waits
 * until it says it is ready, sends it commands, and stops it.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { STOP_COMMAND, type ReadyMessage, type ReplyMessage } from "./protocol.js";

/**
 * Node flags of every bench child. The bench programs are TypeScript (tsx
 * runs them), but without the `kled:source` condition @kled/runtime
 * resolves to its compiled dist/, which bench/main.ts builds first: the
 * runtime is measured as a deployed service runs it. Through tsx, every
 * function the runtime creates per call would also pay a call to esbuild's
 * name-keeping helper (about a sixth of the runtime's own CPU per call),
 * a cost of running from sources that the baselines, plain JavaScript in
 * node_modules, never pay.
 */
export const CHILD_EXEC_ARGV: readonly string[] = ["--import", "tsx"];

/** How long a child may take to start (tsx compiles on load; mDNS registration), ms. */
const READY_TIMEOUT_MS = 30_000;

/** How long a stopped child may take to exit (and write its CPU profile) before it is killed, ms. */
const EXIT_TIMEOUT_MS = 10_000;

/** Options of {@link startChild}. */
export interface StartOptions {
  /** A name for messages and for the CPU profile file. */
  readonly label: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Directory under which the child writes V8 CPU profiles (in `<label>/`); none when absent. */
  readonly profileDir?: string | undefined;
}

/** A running bench child. */
export interface Child {
  readonly label: string;
  /** What the child reported when ready. */
  readonly info: Record<string, string>;
  /** Runs `command` in the child; rejects with the child's error. */
  call<T>(command: string, args?: unknown): Promise<T>;
  /** Asks the child to exit, and kills it if it does not in time. */
  stop(): Promise<void>;
}

/** Forks `program` (a .ts path) with {@link CHILD_EXEC_ARGV}. */
export async function startChild(program: string, options: StartOptions): Promise<Child> {
  const { label } = options;
  const execArgv = [...CHILD_EXEC_ARGV];
  if (options.profileDir !== undefined) {
    // A directory per child: V8 writes one profile per thread (tsx's loader
    // runs in a worker thread), and a fixed file name would let them overwrite each other.
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, label)}`);
  }
  const child = fork(program, [...(options.args ?? [])], {
    execArgv,
    // A benchmark's servers are stopped once measured, with no peer left to
    // miss their deregistration: no reason to keep serving after it.
    env: { ...process.env, KLED_DEREGISTER_DELAY_MS: "0", ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code, signal) => {
    for (const { reject } of pending.values()) reject(new Error(`${label} exited (code ${code}, signal ${signal}) during a command`));
    pending.clear();
  });
  const info = await ready(child, label);
  child.on("message", (raw) => {
    const reply = raw as ReplyMessage;
    const waiter = pending.get(reply.id);
    if (waiter === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(`${label}: ${reply.error}`));
  });
  return {
    label,
    info,
    call<T>(command: string, args?: unknown) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, command, args });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ id: 0, command: STOP_COMMAND, args: undefined });
      const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function ready(child: ChildProcess, label: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${label} did not report ready within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with code ${code} before it was ready; see its stderr above`));
    };
    child.once("exit", onExit);
    child.once("message", (raw) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      const message = raw as ReadyMessage;
      if (message.ready === true) resolve(message.info);
      else reject(new Error(`${label} sent ${JSON.stringify(raw)} before it was ready`));
    });
  });
}
