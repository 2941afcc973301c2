import { Command } from "commander";
import { globalOptions, withRegistry } from "../cli-options.js";
import { printJson } from "../output/json.js";
import { printTable } from "../output/table.js";

/** One row of `kled service list`. */
export interface ServiceListEntry {
  name: string;
  version: string;
  nodes: number;
  addresses: string[];
}

/** `kled service list`. */
export function serviceListCommand(): Command {
  return new Command("list")
    .description("list the services in the registry: name, version, node count, addresses")
    .action(async (_flags: object, command: Command) => {
      const globals = globalOptions(command);
      const records = await withRegistry(globals, (registry) => registry.listServices());
      const entries: ServiceListEntry[] = records
        .map((record) => ({
          name: record.name,
          version: record.version,
          nodes: record.nodes.length,
          addresses: record.nodes.map((node) => node.address).sort(),
        }))
        .sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version));
      if (globals.json) printJson(entries);
      else {
        printTable(
          ["NAME", "VERSION", "NODES", "ADDRESSES"],
          entries.map((entry) => [entry.name, entry.version, String(entry.nodes), entry.addresses.join(", ")]),
        );
      }
    });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
