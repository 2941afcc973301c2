import { Command } from "commander";
import type { ServiceRecord } from "@kled/runtime";
import { findService, globalOptions, withRegistry } from "../cli-options.js";
import { printJson } from "../output/json.js";
import { EMPTY_CELL, formatPairs, renderTable } from "../output/table.js";

/** `kled service describe NAME`. */
export function serviceDescribeCommand(): Command {
  return new Command("describe")
    .description("show a service's versions, nodes with their metadata, and endpoints with their types")
    .argument("<name>", "registered service name, e.g. kled.mcp.tools")
    .action(async (name: string, _flags: object, command: Command) => {
      const globals = globalOptions(command);
      const records = await withRegistry(globals, (registry) => findService(registry, name));
      records.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
      if (globals.json) printJson(records);
      else process.stdout.write(records.map(describeRecord).join("\n"));
    });
}

/** One version of a service as text: a header, then its nodes and endpoints as tables. */
export function describeRecord(record: ServiceRecord): string {
  const nodes = renderTable(
    ["NODE", "ADDRESS", "METADATA"],
    [...record.nodes].sort((a, b) => (a.id < b.id ? -1 : 1)).map((node) => [node.id, node.address, formatPairs(node.metadata)]),
  );
  const endpoints = renderTable(
    ["ENDPOINT", "REQUEST", "RESPONSE", "KIND", "IDEMPOTENCY"],
    record.endpoints.map((endpoint) => [
      endpoint.name.replace(/^\//, ""),
      endpoint.request,
      endpoint.response,
      endpoint.metadata["kind"] ?? EMPTY_CELL,
      endpoint.metadata["idempotency"] ?? EMPTY_CELL,
    ]),
  );
  return [
    `Service:   ${record.name}\n`,
    `Version:   ${record.version}\n`,
    `Metadata:  ${formatPairs(record.metadata)}\n`,
    "\n",
    nodes,
    "\n",
    record.endpoints.length === 0 ? "(no endpoints registered)\n" : endpoints,
  ].join("");
}
