import { type ChildProcess, spawn } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { Command } from "commander";
import { messageOf, type Registry } from "@kled/runtime";
import { CliError, usageError } from "../cli-error.js";
import { globalOptions, withRegistry, type GlobalOptions } from "../cli-options.js";
import { formatDuration, timeoutOption } from "../duration.js";
import { parsePositiveInteger } from "../integer-option.js";
import { printJson } from "../output/json.js";
import { EMPTY_CELL, printTable } from "../output/table.js";
import { displayPath, loadConfig, serviceConfig, type ServiceConfig } from "./config.js";
import { isAlive } from "./process-info.js";
import { ensureServiceDir, instanceFiles, readPidFile, removePidFile, writePidFile, type InstanceFiles } from "./pid-files.js";
import { nodeOfProcess } from "./registered.js";

/**
 * How long, in milliseconds, `start` waits for new instances to register.
 * A service compiled on the fly by tsx takes a few seconds on a cold cache;
 * thirty leaves room for a loaded machine without hiding a hung start.
 */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** Pause between two registry lookups while waiting, in milliseconds (an mDNS lookup itself takes 200 ms). */
const REGISTRY_POLL_MS = 250;

/** `registered`: started and found in the registry; `running`: already running, left alone. */
export type StartState = "registered" | "started" | "running" | "exited" | "unregistered";

/** One row of `kled service start`. */
export interface StartEntry {
  instance: number;
  pid: number | undefined;
  state: StartState;
  detail: string;
  log: string;
}

interface Started {
  entry: StartEntry;
  files: InstanceFiles;
  child: ChildProcess;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** `kled service start NAME`. */
export function serviceStartCommand(): Command {
  return new Command("start")
    .description("start the instances of a service from the config file, detached, with pid and log files")
    .argument("<name>", "service name as listed in the config file")
    .option("--instances <n>", "how many instances should run (default: the config's instances)", parsePositiveInteger)
    .addOption(timeoutOption("how long to wait for new instances to register", DEFAULT_START_TIMEOUT_MS))
    .option("--no-wait", "return once the processes are spawned, without waiting for them to register")
    .addHelpText(
      "after",
      `
Instances are numbered from 1; instance i writes <runDir>/<name>/i.pid and appends to i.log.
An instance whose pid file names a live process is left running and not started again,
so running start twice is safe, and --instances N with a larger N adds instances.
With --registry, the instances get KLED_REGISTRY set to it (the config's env wins).`,
    )
    .action(async (name: string, flags: { instances?: number; timeout: number; wait: boolean }, command: Command) => {
      const globals = globalOptions(command);
      const config = await loadConfig(globals.config);
      const service = serviceConfig(config, name);
      await checkCwd(service, config.file);
      await ensureServiceDir(config.runDir, name);

      const entries: StartEntry[] = [];
      const started: Started[] = [];
      for (let index = 1; index <= (flags.instances ?? service.instances); index++) {
        const files = instanceFiles(config.runDir, name, index);
        const running = await readPidFile(files.pidFile);
        if (running !== undefined && isAlive(running.pid)) {
          entries.push({ instance: index, pid: running.pid, state: "running", detail: "already running; not started again", log: displayPath(files.logFile) });
          continue;
        }
        const instance = await spawnInstance(service, files, globals, config.file);
        entries.push(instance.entry);
        started.push(instance);
      }
      if (flags.wait && started.length > 0) await waitForRegistration(globals, name, started, flags.timeout);

      if (globals.json) printJson(entries);
      else printTable(["INSTANCE", "PID", "STATE", "DETAIL", "LOG"], entries.map(row));
      const failed = entries.filter((entry) => entry.state === "exited" || entry.state === "unregistered");
      if (failed.length > 0) {
        const first = failed[0] as StartEntry;
        throw new CliError(
          `${failed.length} of ${started.length} new instances of "${name}" did not come up (instance ${first.instance}: ${first.detail}); see ${first.log}`,
        );
      }
    });
}

function row(entry: StartEntry): string[] {
  return [String(entry.instance), entry.pid === undefined ? EMPTY_CELL : String(entry.pid), entry.state, entry.detail, entry.log];
}

async function checkCwd(service: ServiceConfig, file: string): Promise<void> {
  const info = await stat(service.cwd).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw usageError(`${file}: service "${service.name}": cwd ${service.cwd} is not a folder`);
  }
}

/** Spawns one detached instance writing to its log file, and writes its pid file. */
async function spawnInstance(service: ServiceConfig, files: InstanceFiles, globals: GlobalOptions, configFile: string): Promise<Started> {
  const [program = "", ...args] = service.command;
  const log = await open(files.logFile, "a");
  let child: ChildProcess;
  try {
    await log.write(`--- kled service start ${service.name} instance ${files.index} at ${new Date().toISOString()}: ${service.command.join(" ")}\n`);
    child = spawn(program, args, {
      cwd: service.cwd,
      env: { ...process.env, ...(globals.registry === undefined ? {} : { KLED_REGISTRY: globals.registry }), ...service.env },
      detached: true, // its own process group: it outlives us, and stop signals the group
      stdio: ["ignore", log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (error) {
    throw usageError(`${configFile}: service "${service.name}": cannot run ${JSON.stringify(program)}: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    await log.close();
  }
  const pid = child.pid as number;
  await writePidFile(files.pidFile, pid);
  const instance: Started = {
    entry: { instance: files.index, pid, state: "started", detail: "spawned", log: displayPath(files.logFile) },
    files,
    child,
    exit: undefined,
  };
  child.once("exit", (code, signal) => (instance.exit = { code, signal }));
  child.unref();
  return instance;
}

/** Waits until each new instance is in the registry or has exited, for up to `timeoutMs`. */
async function waitForRegistration(globals: GlobalOptions, name: string, started: Started[], timeoutMs: number): Promise<void> {
  const begin = performance.now();
  await withRegistry(globals, async (registry) => {
    for (;;) {
      const pending = started.filter((instance) => instance.entry.state === "started");
      if (pending.length === 0) return;
      const elapsed = performance.now() - begin;
      const records = await lookup(registry, name);
      for (const instance of pending) {
        const node = records === undefined ? undefined : nodeOfProcess(records, instance.entry.pid as number);
        if (node !== undefined) {
          instance.entry.state = "registered";
          instance.entry.detail = `registered at ${node.address} in ${formatDuration(elapsed)}`;
        } else if (instance.exit !== undefined) {
          const { code, signal } = instance.exit;
          instance.entry.state = "exited";
          instance.entry.detail = signal === null ? `exited with code ${code}` : `killed by ${signal}`;
          await removePidFile(instance.files.pidFile);
        } else if (elapsed > timeoutMs) {
          instance.entry.state = "unregistered";
          instance.entry.detail = `running, but not in the ${registry.name} registry after ${formatDuration(timeoutMs)}`;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, REGISTRY_POLL_MS));
    }
  });
  // The children were unref'd; drop our ends so nothing holds the process open.
  for (const instance of started) instance.child.removeAllListeners();
}

/** The records of `name`, or undefined while the registry cannot be reached (retried on the next poll). */
async function lookup(registry: Registry, name: string) {
  try {
    return await registry.getService(name);
  } catch {
    return undefined;
  }
}
