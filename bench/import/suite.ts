/**
 * Suite 7: what loading Kled costs a process. Cold imports of the compiled
 * core (runtime/dist/index.js, built by main.ts) against @grpc/grpc-js alone,
 * each in a fresh `node` process: the import's wall time and the resident
 * set size after it. For information, the same against grpc-js with
 * @bufbuild/protobuf (what a raw grpc-js service with protobuf-es messages
 * loads), and each integration subpath with its library. Then the first
 * call of a client-only process through mDNS against the same call to a
 * direct address. Paired runs in alternating order; medians.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { alternate } from "../support/alternate.js";
import { benchProgram, REPO_ROOT } from "../support/paths.js";
import { costRow, latencyRow, type Row } from "../support/rows.js";
import { CHILD_EXEC_ARGV } from "../support/spawn.js";
import { median } from "../support/stats.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { kledEchoServer } from "../rpc/servers.js";
import { coldImport, type ImportRun } from "./cold-import.js";
import { runNode } from "./run-node.js";
import { formatMib, memoryRow } from "../support/memory-row.js";

/** The target of the issue: importing the core costs at most 1.5× what importing @grpc/grpc-js does. */
const TARGET_RATIO = 1.5;

/**
 * Fresh processes per side and comparison: three per measured round of the
 * other suites (15 in a full run, 6 with --quick). A cold import takes a
 * few hundred ms, so a process's figure is noisier than a 3 s run's.
 */
const RUNS_PER_ROUND = 3;

/** The subpaths measured, with the library each loads. */
const SUBPATHS: ReadonlyArray<{ readonly name: string; readonly library: string }> = [
  { name: "redis", library: "ioredis" },
  { name: "mikro-orm", library: "@mikro-orm/core" },
  { name: "jwt", library: "jose" },
  { name: "casbin", library: "casbin" },
  { name: "consul", library: "consul" },
];

const GRPC = "@grpc/grpc-js";
const PROTOBUF = "@bufbuild/protobuf";

/** A module of the compiled runtime as a file URL: no export condition can swap it for the sources. */
function runtimeModule(...segments: string[]): string {
  return pathToFileURL(join(REPO_ROOT, "runtime", "dist", ...segments)).href;
}

export const importSuite: Suite = {
  name: "import",
  title: "Import: cold import of @kled/runtime (compiled) vs @grpc/grpc-js alone; first call via mDNS vs direct address",
  async run(context) {
    const runs = RUNS_PER_ROUND * context.settings.rounds;
    const core = runtimeModule("index.js");
    const pairsOf = (what: string, kled: readonly string[], baseline: readonly string[]) =>
      importPairs(context, what, runs, kled, baseline);

    const bare = median((await repeat(runs, () => coldImport([], context.env))).map((run) => run.rssBytes));
    context.progress(`import: a bare node process: ${formatMib(bare / 2 ** 20)} RSS`);

    const alone = await pairsOf("core vs grpc-js", [core], [GRPC]);
    const withProtobuf = await pairsOf("core vs grpc-js + protobuf-es", [core], [GRPC, PROTOBUF]);
    const rows: Row[] = [
      costRow("import time, core vs @grpc/grpc-js", "ms", alone, (run) => run.ms, TARGET_RATIO),
      memoryRow(`RSS after import, core vs @grpc/grpc-js (bare node: ${formatMib(bare / 2 ** 20)})`, alone, (run) => run.rssBytes, TARGET_RATIO),
      costRow(`import time, core vs @grpc/grpc-js + ${PROTOBUF}`, "ms", withProtobuf, (run) => run.ms),
      memoryRow(`RSS after import, core vs @grpc/grpc-js + ${PROTOBUF}`, withProtobuf, (run) => run.rssBytes),
    ];
    for (const { name, library } of SUBPATHS) {
      const pairs = await pairsOf(`/${name} vs grpc-js`, [runtimeModule("subpaths", `${name}.js`)], [GRPC]);
      rows.push(
        costRow(`import time, @kled/runtime/${name} (+ ${library}) vs @grpc/grpc-js`, "ms", pairs, (run) => run.ms),
        memoryRow(`RSS after import, @kled/runtime/${name} vs @grpc/grpc-js`, pairs, (run) => run.rssBytes),
      );
    }
    rows.push(await firstCallRow(context, runs));
    return { rows };
  },
};

/** `runs` paired cold imports of `kled` and `baseline`, after one discarded run of each (disk cache). */
async function importPairs(context: SuiteContext, what: string, runs: number, kled: readonly string[], baseline: readonly string[]) {
  await coldImport(kled, context.env);
  await coldImport(baseline, context.env);
  return alternate<ImportRun>(
    runs,
    () => coldImport(kled, context.env),
    () => coldImport(baseline, context.env),
    (run) => context.progress(`import: ${what}: run ${run}/${runs}`),
  );
}

/**
 * The first call of a fresh client-only process (bench/import/first-call.ts)
 * to the Kled echo server the RPC suites share, through mDNS against the
 * server's address given directly.
 */
async function firstCallRow(context: SuiteContext, runs: number): Promise<Row> {
  const server = await kledEchoServer(context);
  const address = server.info["address"];
  if (address === undefined || address === "") throw new Error(`${server.label} reported no address`);
  const program = benchProgram("import", "first-call.ts");
  const firstCall = (target: string) => runNode<{ ms: number }>([...CHILD_EXEC_ARGV, program, target], context.env);
  await firstCall("mdns");
  await firstCall(address);
  const pairs = await alternate(
    runs,
    () => firstCall("mdns"),
    () => firstCall(address),
    (run) => context.progress(`import: first call, mDNS vs direct address: run ${run}/${runs}`),
  );
  return latencyRow("first call of a client-only process, via mDNS vs direct address", pairs, (run) => run.ms);
}

async function repeat<T>(times: number, measure: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await measure());
  return results;
}
