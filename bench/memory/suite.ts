/**
 * Suite: what a running service holds in memory. The Echo server as a user
 * writes it with Kled (a `Service` with its defaults) against the bare
 * grpc-js server, each in a fresh process (server-memory.ts): its resident
 * set size once started and idle, and how much it grows per open client
 * connection (CONNECTIONS clients, each on its own connection, one call
 * each, opened after a few warm-up connections so that one-time costs stay
 * out of it; readings after a memory-reducing GC, see server-memory.ts).
 * Paired runs in alternating order; medians.
 */
import { alternate } from "../support/alternate.js";
import { benchProgram } from "../support/paths.js";
import { memoryRow } from "../support/memory-row.js";
import { CHILD_EXEC_ARGV } from "../support/spawn.js";
import type { Suite } from "../support/suite.js";
import { runNode } from "../import/run-node.js";

/** The target for both rows: Kled's memory at most 1.3× raw grpc-js's. */
const TARGET_RATIO = 1.3;

/** Open connections per measurement: enough that their memory stands out of the readings' noise. */
const CONNECTIONS = 200;

/** Fresh process pairs per measured round of the other suites. */
const RUNS_PER_ROUND = 1;

interface MemoryRun {
  readonly idleRssBytes: number;
  readonly perConnectionBytes: number;
}

export const memorySuite: Suite = {
  name: "memory",
  title: `Memory: the Echo service (Kled with its defaults) vs a bare @grpc/grpc-js server, idle and with ${CONNECTIONS} open client connections`,
  async run(context) {
    const runs = Math.max(3, RUNS_PER_ROUND * context.settings.rounds);
    const measure = (side: "kled" | "raw") =>
      runNode<MemoryRun>([...CHILD_EXEC_ARGV, "--expose-gc", benchProgram("memory", "server-memory.ts"), side, String(CONNECTIONS)], context.env);
    const pairs = await alternate(runs, () => measure("kled"), () => measure("raw"), (run) => context.progress(`memory: run ${run}/${runs}`));
    return {
      rows: [
        memoryRow("RSS of an idle service", pairs, (run) => run.idleRssBytes, TARGET_RATIO),
        memoryRow("RSS per open client connection", pairs, (run) => run.perConnectionBytes, TARGET_RATIO, "KiB"),
      ],
    };
  },
};
