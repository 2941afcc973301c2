import { Command } from "commander";
import { CliError, usageError } from "../cli-error.js";
import { globalOptions } from "../cli-options.js";
import { formatDuration, timeoutOption } from "../duration.js";
import { parsePositiveInteger } from "../integer-option.js";
import { printJson } from "../output/json.js";
import { EMPTY_CELL, printTable } from "../output/table.js";
import { displayPath, loadConfig } from "./config.js";
import { isAlive, signalInstance } from "./process-info.js";
import { instanceFiles, instanceIndices, readPidFile, removePidFile } from "./pid-files.js";

/**
 * How long, in milliseconds, `stop` waits after SIGTERM before SIGKILL.
 * Matches the Service's default shutdown grace (10 s): a service draining
 * in-flight calls gets its whole grace period.
 */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** How long, in milliseconds, to wait for the kernel to end processes after SIGKILL. */
const KILL_WAIT_MS = 2_000;

/** How often, in milliseconds, to check whether the signalled processes are gone. */
const POLL_MS = 50;

/**
 * `stopped`: ended after SIGTERM; `killed`: needed SIGKILL; `stale`: was not
 * running, its pid file was removed; `alive`: survived SIGKILL (e.g. owned by
 * another user), its pid file is kept.
 */
export type StopResult = "stopped" | "killed" | "stale" | "alive";

/** One row of `kled service stop`. */
export interface StopEntry {
  instance: number;
  pid: number | undefined;
  result: StopResult;
  detail: string;
}

/** `kled service stop NAME`. */
export function serviceStopCommand(): Command {
  return new Command("stop")
    .description("stop the instances of a service: SIGTERM, then SIGKILL after the timeout; removes their pid files")
    .argument("<name>", "service name as listed in the config file")
    .addOption(timeoutOption("how long to wait after SIGTERM before SIGKILL", DEFAULT_STOP_TIMEOUT_MS))
    .option("--instance <i>", "stop only this instance", parsePositiveInteger)
    .action(async (name: string, flags: { timeout: number; instance?: number }, command: Command) => {
      const globals = globalOptions(command);
      const config = await loadConfig(globals.config);
      // A service removed from the config may still run: its pid files are what count.
      const indices = flags.instance === undefined ? await instanceIndices(config.runDir, name) : [flags.instance];
      const known = config.services.some((service) => service.name === name);
      if (!known && indices.length === 0) {
        throw usageError(`service "${name}" is not in ${config.file} and has no pid files under ${displayPath(config.runDir)}`);
      }

      const entries: StopEntry[] = [];
      const signalled: Signalled[] = [];
      for (const index of indices) {
        const { pidFile } = instanceFiles(config.runDir, name, index);
        const record = await readPidFile(pidFile);
        if (record === undefined || !isAlive(record.pid) || !signalInstance(record.pid, "SIGTERM")) {
          if (flags.instance !== undefined && record === undefined) {
            throw new CliError(`instance ${index} of "${name}" is not running (no pid file ${displayPath(pidFile)})`);
          }
          await removePidFile(pidFile);
          entries.push({ instance: index, pid: record?.pid, result: "stale", detail: "was not running; removed its pid file" });
          continue;
        }
        const entry: StopEntry = { instance: index, pid: record.pid, result: "stopped", detail: "" };
        entries.push(entry);
        signalled.push({ entry, pidFile, signalledAt: performance.now() });
      }

      const remaining = await waitForExit(signalled, flags.timeout, "SIGTERM");
      for (const { entry } of remaining) {
        signalInstance(entry.pid as number, "SIGKILL");
        entry.result = "killed";
        entry.detail = `still running ${formatDuration(flags.timeout)} after SIGTERM; sent SIGKILL`;
      }
      for (const { entry } of await waitForExit(remaining, KILL_WAIT_MS, "SIGKILL")) {
        entry.result = "alive";
        entry.detail = "survived SIGKILL; pid file kept";
      }
      for (const { entry, pidFile } of signalled) if (entry.result !== "alive") await removePidFile(pidFile);

      if (globals.json) printJson(entries);
      else if (entries.length === 0) process.stdout.write(`no instances of ${name} are running\n`);
      else {
        printTable(
          ["INSTANCE", "PID", "RESULT", "DETAIL"],
          entries.map((e) => [String(e.instance), e.pid === undefined ? EMPTY_CELL : String(e.pid), e.result, e.detail]),
        );
      }
      const alive = entries.filter((entry) => entry.result === "alive");
      if (alive.length > 0) {
        throw new CliError(`${alive.length} instance(s) of "${name}" could not be stopped: pid ${alive.map((e) => e.pid).join(", ")}`);
      }
    });
}

interface Signalled {
  entry: StopEntry;
  pidFile: string;
  signalledAt: number;
}

/** Waits up to `timeoutMs` for the processes to end; notes how long each took; returns those still alive. */
async function waitForExit(processes: Signalled[], timeoutMs: number, signal: string): Promise<Signalled[]> {
  const deadline = performance.now() + timeoutMs;
  let alive = processes;
  for (;;) {
    const now = performance.now();
    alive = alive.filter(({ entry, signalledAt }) => {
      if (isAlive(entry.pid as number)) return true;
      if (signal === "SIGTERM") entry.detail = `ended ${formatDuration(now - signalledAt)} after SIGTERM`;
      return false;
    });
    if (alive.length === 0 || now > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
