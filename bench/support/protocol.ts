/**
 * The messages between the orchestrator and its child processes, over the
 * Node IPC channel. IPC, not stdout lines: children may log to stdout and
 * stderr freely, and results arrive as structured values.
 */

/** Orchestrator → child: run one command. */
export interface CommandMessage {
  readonly id: number;
  readonly command: string;
  readonly args: unknown;
}

/** Child → orchestrator: the child is up; `info` is what it wants known (e.g. its address). */
export interface ReadyMessage {
  readonly ready: true;
  readonly info: Record<string, string>;
}

/** Child → orchestrator: the outcome of one command. */
export type ReplyMessage =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** The command every child understands: release resources, then exit 0 (so that `--cpu-prof` writes its profile). */
export const STOP_COMMAND = "stop";

/** The command every child understands: its CPU time so far (user + system), µs, for CPU-per-call figures. */
export const CPU_COMMAND = "cpu";
