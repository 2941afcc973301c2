import { Command } from "commander";
import { messageOf, type ServiceRecord } from "@kled/runtime";
import { globalOptions, withRegistry } from "../cli-options.js";
import { formatDuration } from "../duration.js";
import { printJson } from "../output/json.js";
import { EMPTY_CELL, printTable } from "../output/table.js";
import { loadConfig, serviceConfig, type ServiceConfig } from "./config.js";
import { isAlive } from "./process-info.js";
import { instanceFiles, instanceIndices, readPidFile } from "./pid-files.js";
import { nodeOfProcess } from "./registered.js";

/** One row of `kled service status`. */
export interface StatusEntry {
  service: string;
  instance: number;
  pid: number | undefined;
  alive: boolean;
  /** Milliseconds since start, while alive. */
  uptimeMs: number | undefined;
  /** Whether the registry has a node of this process; null when the registry could not be asked. */
  registered: boolean | null;
  /** The registered node's address. */
  address: string | undefined;
}

/** `kled service status [NAME]`. */
export function serviceStatusCommand(): Command {
  return new Command("status")
    .description("show each supervised instance: pid, alive, uptime, and whether it is in the registry")
    .argument("[name]", "only this service (default: every service in the config file)")
    .action(async (name: string | undefined, _flags: object, command: Command) => {
      const globals = globalOptions(command);
      const config = await loadConfig(globals.config);
      const services = name === undefined ? config.services : [serviceConfig(config, name)];
      const records = await withRegistry(globals, (registry) =>
        Promise.all(
          services.map((service) =>
            registry.getService(service.name).catch((error: unknown) => {
              process.stderr.write(`kled: warning: registry "${registry.name}" lookup of ${service.name} failed: ${messageOf(error)}\n`);
              return undefined;
            }),
          ),
        ),
      );
      const entries = (
        await Promise.all(services.map((service, i) => instancesOf(service, config.runDir, records[i])))
      ).flat();

      if (globals.json) printJson(entries);
      else {
        printTable(
          ["SERVICE", "INSTANCE", "PID", "ALIVE", "UPTIME", "REGISTERED", "ADDRESS"],
          entries.map((e) => [
            e.service,
            String(e.instance),
            e.pid === undefined ? EMPTY_CELL : String(e.pid),
            e.alive ? "yes" : "no",
            e.uptimeMs === undefined ? EMPTY_CELL : formatDuration(e.uptimeMs),
            e.registered === null ? "unknown" : e.registered ? "yes" : "no",
            e.address ?? EMPTY_CELL,
          ]),
        );
      }
    });
}

/** The configured instances of `service` plus any others that have a pid file. */
async function instancesOf(
  service: ServiceConfig,
  runDir: string,
  records: ServiceRecord[] | undefined,
): Promise<StatusEntry[]> {
  const configured = Array.from({ length: service.instances }, (_, i) => i + 1);
  const indices = [...new Set([...configured, ...(await instanceIndices(runDir, service.name))])].sort((a, b) => a - b);
  return Promise.all(
    indices.map(async (index): Promise<StatusEntry> => {
      const record = await readPidFile(instanceFiles(runDir, service.name, index).pidFile);
      const alive = record !== undefined && isAlive(record.pid);
      const node = alive && records !== undefined ? nodeOfProcess(records, record.pid) : undefined;
      return {
        service: service.name,
        instance: index,
        pid: record?.pid,
        alive,
        uptimeMs: alive ? Math.round(Date.now() - record.startedAt) : undefined,
        registered: records === undefined ? null : node !== undefined,
        address: node?.address,
      };
    }),
  );
}
