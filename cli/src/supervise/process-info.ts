/**
 * What we can learn about a process from its id, without being its parent:
 * the instances `kled service start` spawned are detached, and `stop` and
 * `status` run in later `kled` processes.
 */
import { readFileSync } from "node:fs";

/**
 * True when `pid` names a running process. A zombie (exited, not yet reaped
 * by a parent that never waits, as PID 1 in some containers does) counts as
 * gone: it holds no resources and will never answer.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return procStat(pid)?.state !== "Z";
}

/**
 * Sends `signal` to the instance: to its whole process group when it leads
 * one (it does: start spawns it detached), so that a command that forks a
 * child (`npx`, a shell script) stops entirely; else to the process alone.
 * False when the process is gone.
 */
export function signalInstance(pid: number, signal: NodeJS.Signals): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      // ESRCH for the group: not a group leader (any more); try the process.
    }
  }
  return false;
}

/** The process group of `pid` on Linux (from /proc), else undefined. */
export function processGroup(pid: number): number | undefined {
  return procStat(pid)?.pgrp;
}

/** Fields of /proc/<pid>/stat; undefined off Linux or when the process is gone. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  return { state: fields[0] ?? "", pgrp };
}
