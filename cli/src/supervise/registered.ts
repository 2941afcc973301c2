import { networkInterfaces } from "node:os";
import type { Node, ServiceRecord } from "@kled/runtime";
import { processGroup } from "./process-info.js";

/**
 * The registry node served by the supervised process `pid`, if any. A
 * Service puts its `pid` into its node metadata; the node matches when that
 * pid is ours, or (on Linux) belongs to our process group, for commands such
 * as `npx tsx main.ts` whose service runs in a child process. Only nodes with
 * an address of this host count: pids repeat across hosts.
 */
export function nodeOfProcess(records: readonly ServiceRecord[], pid: number): Node | undefined {
  const local = localHosts();
  for (const record of records) {
    for (const node of record.nodes) {
      const nodePid = Number(node.metadata["pid"]);
      if (!Number.isInteger(nodePid) || !local.has(hostOf(node.address))) continue;
      if (nodePid === pid || processGroup(nodePid) === pid) return node;
    }
  }
  return undefined;
}

function localHosts(): Set<string> {
  const hosts = new Set(["localhost", "0.0.0.0", "::"]);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) hosts.add(address.address);
  }
  return hosts;
}

/** The host of `host:port` or `[v6]:port`, without brackets. */
function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(":"));
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
