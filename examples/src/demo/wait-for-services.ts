import { setTimeout as sleep } from "node:timers/promises";
import type { Node, Registry } from "@kled/runtime";
import type { ServiceProcess } from "./child-process.js";

/** How often the registry is asked again while waiting, in milliseconds. */
const POLL_INTERVAL_MS = 250;

/** A service the demo waits for, and how many nodes it must have. */
export interface WantedService {
  name: string;
  nodes: number;
}

/**
 * Waits until every wanted service has its nodes in the registry and
 * returns them by service name. Fails early when a child exits, and after
 * `timeoutMs` with what was found, so a broken setup says why.
 */
export async function waitForServices(
  registry: Registry,
  wanted: readonly WantedService[],
  children: readonly ServiceProcess[],
  timeoutMs: number,
): Promise<Map<string, Node[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = children.find((child) => child.exit !== undefined);
    if (exited?.exit !== undefined) {
      const how = exited.exit.signal ?? `code ${exited.exit.code ?? "?"}`;
      throw new Error(`${exited.name} exited (${how}) before the services were discoverable; see its output above`);
    }
    const found = new Map<string, Node[]>();
    for (const { name } of wanted) {
      const records = await registry.getService(name);
      found.set(name, records.flatMap((record) => record.nodes));
    }
    if (wanted.every(({ name, nodes }) => (found.get(name)?.length ?? 0) >= nodes)) return found;
    if (Date.now() >= deadline) {
      const seen = wanted.map(({ name, nodes }) => `${name}: ${found.get(name)?.length ?? 0} of ${nodes} nodes`);
      throw new Error(
        `the services were not all discoverable in the ${registry.name} registry after ${timeoutMs / 1000} s (${seen.join(", ")}); ` +
          "see their output above (mDNS needs multicast on UDP port 5353: is it blocked on this host?)",
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}
