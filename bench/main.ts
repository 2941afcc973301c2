/**
 * `npm run bench`: runs each suite (bench/suites.ts) against its baseline in
 * this run and prints one table. Flags:
 *   --quick        2 short rounds per comparison (about a minute in all)
 *   --json FILE    also write the results, rounds included, as JSON
 *   --only a,b     run only the named suites (unary, stream, peer, codegen, broker, authz)
 *   --rounds N     measured rounds per comparison instead of 5 (2 with --quick)
 *   --profile DIR  write a V8 CPU profile per child process into DIR and list
 *                  each one's hottest functions and busy time by package after the table
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { suites } from "./suites.js";
import { ChildPool } from "./support/pool.js";
import { formatPackages, selfTimeByPackage } from "./support/profile-packages.js";
import { busyMs, formatTop, topSelfTime } from "./support/profile-top.js";
import type { Settings, SuiteContext, SuiteOutcome } from "./support/suite.js";
import { renderTable, type Section } from "./support/table.js";
import { ensureBuilt, RUNTIME_PACKAGE } from "./support/workspace-build.js";

/** Full run: 5 rounds of 3 s after a 2 s warm-up per side; about 20 minutes on two cores, all suites. */
const FULL = { rounds: 5, runMs: 3_000, warmupMs: 2_000 };
/** `--quick`: 2 rounds of 1 s after a 0.5 s warm-up; about a minute. */
const QUICK = { rounds: 2, runMs: 1_000, warmupMs: 500 };

/** Functions listed per CPU profile with `--profile`. */
const PROFILE_TOP = 25;
/** Owners (packages, Node's core, GC) listed per CPU profile with `--profile`. */
const PROFILE_PACKAGES = 12;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string" },
    profile: { type: "string" },
    rounds: { type: "string" },
  },
  strict: true,
  allowPositionals: false,
});

const selected = flags.only === undefined ? suites : pickSuites(flags.only);
const profileDir = flags.profile === undefined ? undefined : resolve(flags.profile);
if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
const settings: Settings = {
  quick: flags.quick,
  ...(flags.quick ? QUICK : FULL),
  ...(flags.rounds === undefined ? {} : { rounds: positiveInteger("--rounds", flags.rounds) }),
  profileDir,
};

const children = new ChildPool();
const context: SuiteContext = {
  settings,
  children,
  env: {
    // Kled processes find each other through mDNS, the default registry, on
    // a DNS-SD type of their own, so that other Kled processes on this host
    // and other bench runs stay out of it.
    KLED_REGISTRY: "mdns",
    KLED_MDNS_SERVICE_TYPE: `_kled-bench-${randomBytes(4).toString("hex")}._tcp`,
    // The logging middleware stays on (a Service's default); only the line
    // per call is not written, as in a production deployment logging at warn.
    KLED_LOG_LEVEL: "warn",
  },
  progress: (line) => process.stderr.write(`[bench] ${line}\n`),
};

// Other work on the machine skews absolute figures (pairing keeps the ratios
// fairer); the load average at the start tells the reader how quiet it was.
const loadAtStart = loadavg()[0] ?? 0;
const started = performance.now();
// Children run the compiled runtime (support/spawn.ts); build it if a source changed.
await ensureBuilt(RUNTIME_PACKAGE, context.progress);
const outcomes: Array<{ name: string; title: string; outcome: SuiteOutcome | { failed: string } }> = [];
try {
  for (const suite of selected) {
    context.progress(`${suite.name}: ${suite.title}`);
    try {
      outcomes.push({ name: suite.name, title: suite.title, outcome: await suite.run(context) });
    } catch (error) {
      // One broken suite should not hide the others' figures.
      const message = error instanceof Error ? error.message : String(error);
      context.progress(`${suite.name} failed: ${message}`);
      outcomes.push({ name: suite.name, title: suite.title, outcome: { failed: message } });
    }
  }
} finally {
  await children.stopAll();
}
const totalSeconds = (performance.now() - started) / 1000;

const sections: Section[] = outcomes.map(({ title, outcome }) => ({
  heading: `${title}${"skipped" in outcome ? ` — skipped: ${outcome.skipped}` : "failed" in outcome ? ` — FAILED: ${outcome.failed.split("\n")[0]}` : ""}`,
  rows:
    "rows" in outcome
      ? outcome.rows.map((row) => [
          row.versus === undefined ? `  ${row.measure}` : `      vs ${row.versus}`,
          row.kled,
          row.baseline,
          row.comparison,
          row.target ?? "",
          row.met === undefined ? "" : row.met ? "yes" : "NO",
        ])
      : [],
}));
console.log(renderTable(["Measure", "Kled", "Baseline", "Kled vs base", "Target", "Met"], sections));
console.log(`\n${method(settings, totalSeconds)}`);

if (flags.json !== undefined) {
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    settings,
    loadAverageAtStart: loadAtStart,
    totalSeconds,
    suites: outcomes,
  };
  await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON written to ${flags.json}`);
}

if (profileDir !== undefined) {
  for (const label of (await readdir(profileDir)).sort()) {
    const main = await busiestProfile(join(profileDir, label));
    if (main === undefined) continue;
    console.log(`\nHottest functions (self time) of ${label} (${main}):\n${formatTop(await topSelfTime(main, PROFILE_TOP))}`);
    console.log(`\nBusy time by package of ${label}:\n${formatPackages((await selfTimeByPackage(main)).slice(0, PROFILE_PACKAGES))}`);
  }
}

if (outcomes.some(({ outcome }) => "failed" in outcome)) process.exitCode = 1;

/** The profile of the child's main thread: the busiest of the thread profiles in `dir`. */
async function busiestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, f));
  const busy = await Promise.all(files.map(busyMs));
  return files[busy.indexOf(Math.max(...busy))];
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${value}: expected a positive integer`);
  return n;
}

function pickSuites(list: string): typeof suites {
  const names = list.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    throw new Error(`--only ${list}: unknown suite ${unknown.join(", ")}; use ${suites.map((s) => s.name).join(", ")}`);
  }
  return suites.filter((suite) => names.includes(suite.name));
}

function method(s: Settings, seconds: number): string {
  return [
    `Method (${s.quick ? "--quick" : "full"} run, ${seconds.toFixed(0)} s, Node ${process.version}, ${availableParallelism()} cores,` +
      ` 1-min load average ${loadAtStart.toFixed(1)} at start):`,
    "- Every figure is measured against its baseline in this run, with the same payloads.",
    "- RPC suites: the servers and the load generator are separate child processes; one closed-loop",
    "  generator (a fixed number of calls in flight) in one load process drives both sides.",
    `- Each side gets a ${s.warmupMs / 1000} s warm-up, then ${s.rounds} paired rounds of ${s.runMs / 1000} s; the order alternates`,
    "  each round (Kled first, then baseline first, ...).",
    "- Kled/baseline figures are medians over rounds; 'Kled vs base' is the median of the per-round",
    "  ratios (throughput, time) or differences (latency), each pairing runs made moments apart.",
    "- Kled runs compiled (runtime/dist, built first), as a deployed service does, with what",
    "  new Service(...) gives: mDNS registry through the client's registry cache, round-robin selection,",
    "  resilience policies (timeout, retry, breaker, bulkhead), logging middleware on both sides",
    "  (KLED_LOG_LEVEL=warn: the middleware runs, the per-call line is not written).",
    "- Baselines: a raw @grpc/grpc-js client and server with the same protobuf-es serializers;",
    "  in the unary and streaming suites, each row is followed by Kled against each peer stack",
    "  ('vs ...': Connect-ES 2 with createGrpcTransport + connectNodeAdapter on node:http2, and",
    "  nice-grpc 2 on a definition built from the protobuf-es descriptors), same Echo and Count, each",
    "  peer with a server and a load process of its own, measured in paired rounds of its own;",
    "  Moleculer 0.15 over its NATS transporter (JSON serializer, logger/metrics/tracing off);",
    "  buf generate with protoc-gen-es alone (the Kled figure: buf generate with protoc-gen-kled alone),",
    "  both from one prebuilt buf image of the synthetic schema.",
  ].join("\n");
}
