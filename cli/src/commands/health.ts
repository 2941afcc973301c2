import { create } from "@bufbuild/protobuf";
import { Command } from "commander";
import { type Client, Code, codeName, KledError, messageOf, type Node } from "@kled/runtime";
import {
  Health,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
} from "@kled/runtime/gen/grpc/health/v1/health_pb.js";
import { invoke } from "../call/invoke.js";
import { CliError } from "../cli-error.js";
import { createCliClient, findService, globalOptions, withRegistry } from "../cli-options.js";
import { timeoutOption } from "../duration.js";
import { printJson } from "../output/json.js";
import { EMPTY_CELL, printTable } from "../output/table.js";

/**
 * How long, in milliseconds, each node has to answer the health check. A
 * live node answers in a few milliseconds and a stopped one refuses the
 * connection at once; this bounds nodes behind a black hole.
 */
export const DEFAULT_HEALTH_TIMEOUT_MS = 3_000;

/** What one node said. `unreachable`: no connection or no answer in time; `error`: any other failure. */
export type NodeHealth = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN" | "unreachable" | "error";

/** One row of `kled health`. */
export interface NodeHealthEntry {
  node: string;
  address: string;
  version: string;
  status: NodeHealth;
  /** Why a node is unreachable or failed. */
  detail?: string;
}

/** `kled health NAME`. */
export function healthCommand(): Command {
  return new Command("health")
    .description('check every node of a service with grpc.health.v1 Check (the "" service: the server as a whole)')
    .argument("<name>", "registered service name, e.g. kled.mcp.tools")
    .addOption(timeoutOption("how long each node has to answer", DEFAULT_HEALTH_TIMEOUT_MS))
    .addHelpText("after", "\nExits with 1 when any node is not SERVING.")
    .action(async (name: string, flags: { timeout: number }, command: Command) => {
      const globals = globalOptions(command);
      const records = await withRegistry(globals, (registry) => findService(registry, name));
      const client = createCliClient(globals);
      let entries: NodeHealthEntry[];
      try {
        entries = await Promise.all(
          records.flatMap((record) =>
            record.nodes.map(async (node) => ({
              node: node.id,
              address: node.address,
              version: record.version,
              ...(await check(client, node, flags.timeout)),
            })),
          ),
        );
      } finally {
        await client.close();
      }
      entries.sort((a, b) => (a.node < b.node ? -1 : 1));
      if (globals.json) printJson(entries);
      else {
        printTable(
          ["NODE", "ADDRESS", "VERSION", "STATUS", "DETAIL"],
          entries.map((e) => [e.node, e.address, e.version, e.status, e.detail ?? EMPTY_CELL]),
        );
      }
      const failing = entries.filter((entry) => entry.status !== "SERVING").length;
      if (failing > 0) throw new CliError(`${failing} of ${entries.length} nodes of "${name}" are not serving`);
    });
}

async function check(client: Client, node: Node, timeoutMs: number): Promise<{ status: NodeHealth; detail?: string }> {
  try {
    const request = create(HealthCheckRequestSchema, { service: "" });
    for await (const response of invoke(client, Health, Health.method.check, node.address, [request], { timeoutMs })) {
      const status = HealthCheckResponse_ServingStatus[(response as HealthCheckResponse).status];
      return { status: (status as NodeHealth | undefined) ?? "UNKNOWN" };
    }
    return { status: "error", detail: "no response" };
  } catch (error) {
    if (error instanceof KledError) {
      const unreachable = error.code === Code.Unavailable || error.code === Code.DeadlineExceeded;
      return { status: unreachable ? "unreachable" : "error", detail: `${codeName(error.code)}: ${error.rawMessage}` };
    }
    return { status: "error", detail: messageOf(error) };
  }
}
