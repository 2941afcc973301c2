/**
 * RPC over NATS: Kled (transport "nats") vs Moleculer 0.15 vs raw NATS
 * request-reply, on a nats-server of the bench's own (so that its CPU is
 * the bench's alone), same echo text. Prints calls/s at 64 in flight, p50
 * at 1 in flight, and CPU per call of the client (this process), the server
 * process and nats-server at 64 in flight, and of client and server together
 * at 1 in flight.
 *
 *   node --import tsx bench/nats-rpc/main.ts [seconds per measure, default 3] [rounds, default 3]
 *
 * BENCH_TARGETS=kled (or a comma-separated list of raw, moleculer, kled)
 * measures only those, e.g. to profile one of them with BENCH_PROFILE_DIR
 * (CPU profiles of the server processes) and `node --cpu-prof` (this one).
 *
 * Kled runs compiled (runtime/dist, built first when a source is newer), as
 * a deployed service runs it and as `npm run bench` measures it: from its
 * TypeScript sources through tsx (the `kled:source` condition), every
 * function the runtime creates per call pays a call to esbuild's
 * name-keeping helper, a cost the baselines (plain JavaScript) never pay
 * (see bench/support/spawn.ts). Run with `--conditions=kled:source`, the
 * bench says so in its first line.
 *
 * BENCH_JSON=1 also prints every round as one JSON line (result.ts), which
 * the peer suite of `npm run bench` reads.
 *
 * All servers start first and stay up; the targets are then measured in
 * alternating rounds (raw, Moleculer, Kled, raw, …), each measure alone on
 * the machine, so that other work on a shared machine skews every target of
 * a round alike. Ratios are per round; the table shows each target's median
 * over the rounds and the ratios' range.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/free-port.js";
import { ensureBuilt, RUNTIME_PACKAGE } from "../support/workspace-build.js";
import { RESULT_PREFIX, type NatsRpcMeasure, type NatsRpcResult } from "./result.js";

const NATS_SERVER = "/usr/sbin/nats-server";
const HIGH_IN_FLIGHT = 64;
const WARMUP_MS = 1_500;
const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;
const KINDS = ["raw", "moleculer", "kled"] as const;
type Kind = (typeof KINDS)[number];
const fromSources = process.execArgv.some((arg) => arg.includes("kled:source"));
const measured = targetsToMeasure(process.env["BENCH_TARGETS"]);

type Measure = NatsRpcMeasure;

interface Running {
  readonly kind: Kind;
  readonly child: ChildProcess;
  readonly target: import("./targets.js").Target;
}

async function main(): Promise<void> {
  // Built before targets.ts loads @kled/runtime (its dist/, without kled:source).
  await ensureBuilt(RUNTIME_PACKAGE, (line) => process.stderr.write(`[bench] ${line}\n`));
  const { kledTarget, moleculerTarget, rawTarget, MOLECULER_SERIALIZER } = await import("./targets.js");
  const loadAtStart = loadavg()[0] ?? 0;
  const port = await freePort();
  const nats = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const url = `nats://127.0.0.1:${port}`;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const running: Running[] = [];
  const measures = new Map<Kind, Measure[]>(KINDS.map((kind) => [kind, []]));
  try {
    for (const kind of measured) {
      const { child, info } = await startServer(kind, url);
      const target =
        kind === "kled" ? await kledTarget(url, info["node"] as never) : kind === "moleculer" ? await moleculerTarget(url) : await rawTarget(url);
      running.push({ kind, child, target });
      await closedLoop(target, HIGH_IN_FLIGHT, WARMUP_MS);
    }
    for (let round = 0; round < rounds; round++) {
      for (const { kind, child, target } of running) {
        const rate = await measureRate(target, child.pid!, nats.pid!);
        measures.get(kind)!.push({ ...rate, ...(await measureP50(target, child.pid!)) });
      }
    }
  } finally {
    for (const { child, target } of running) {
      await target.close();
      child.stdin?.end();
      await once(child, "exit");
    }
    nats.kill("SIGTERM");
  }
  if (process.env["BENCH_JSON"] === "1") {
    const result: NatsRpcResult = {
      inFlight: HIGH_IN_FLIGHT,
      moleculerSerializer: MOLECULER_SERIALIZER,
      rounds: { raw: measures.get("raw")!, moleculer: measures.get("moleculer")!, kled: measures.get("kled")! },
    };
    console.log(RESULT_PREFIX + JSON.stringify(result));
  }
  // Without Moleculer in the run, ratios compare with nothing: NaN.
  const moleculer = measures.get("moleculer")!;
  console.log(
    `RPC over NATS, echo of ${100} characters, ${rounds} rounds of ${seconds} s per measure, Node ${process.version}, ` +
      `Moleculer serializer ${MOLECULER_SERIALIZER}, Kled ${fromSources ? "FROM SOURCES (kled:source, tsx): slower than deployed" : "compiled (runtime/dist)"}, ` +
      `load average at start ${loadAtStart.toFixed(2)}`,
  );
  console.log(
    ["target", `calls/s @${HIGH_IN_FLIGHT}`, "× Moleculer (min–max)", "client µs/call", "server µs/call", "nats-server µs/call", "p50 @1 (µs)", "p50 ÷ Moleculer's", "client+server µs/call @1"].join("\t"),
  );
  for (const kind of measured) {
    const own = measures.get(kind)!;
    const ratios = own.map((m, i) => m.callsPerSecond / (moleculer[i]?.callsPerSecond ?? NaN));
    const p50Ratios = own.map((m, i) => m.p50Us / (moleculer[i]?.p50Us ?? NaN));
    const pick = (f: (m: Measure) => number) => median(own.map(f));
    console.log(
      [
        kind,
        pick((m) => m.callsPerSecond).toFixed(0),
        `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
        pick((m) => m.clientUsPerCall).toFixed(1),
        pick((m) => m.serverUsPerCall).toFixed(1),
        pick((m) => m.natsUsPerCall).toFixed(1),
        pick((m) => m.p50Us).toFixed(0),
        median(p50Ratios).toFixed(2),
        pick((m) => m.singleUsPerCall).toFixed(1),
      ].join("\t"),
    );
  }
}

async function startServer(kind: string, url: string): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const program = fileURLToPath(new URL("./server.ts", import.meta.url));
  const profile = process.env["BENCH_PROFILE_DIR"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROFILE_DIR"]}`];
  const conditions = fromSources ? ["--conditions=kled:source"] : [];
  const child = spawn(process.execPath, [...profile, ...conditions, "--import", "tsx", program, kind, url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, info: JSON.parse(line) as Record<string, unknown> };
}

/** Runs `inFlight` loops of calls for `ms`; resolves with the calls completed, pushing their latencies when asked. */
async function closedLoop(target: import("./targets.js").Target, inFlight: number, ms: number, latencies?: number[]): Promise<number> {
  const end = performance.now() + ms;
  let calls = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await target.call();
        latencies?.push(performance.now() - started);
        calls++;
      }
    }),
  );
  return calls;
}

async function measureRate(target: import("./targets.js").Target, serverPid: number, natsPid: number): Promise<Omit<Measure, "p50Us" | "singleUsPerCall">> {
  const client = process.cpuUsage();
  const server = cpuTicks(serverPid);
  const nats = cpuTicks(natsPid);
  const started = performance.now();
  const calls = await closedLoop(target, HIGH_IN_FLIGHT, seconds * 1_000);
  const elapsed = (performance.now() - started) / 1_000;
  const clientUs = process.cpuUsage(client);
  const perCall = (ticks: number) => ((ticks / CLOCK_TICKS) * 1e6) / calls;
  return {
    callsPerSecond: calls / elapsed,
    clientUsPerCall: (clientUs.user + clientUs.system) / calls,
    serverUsPerCall: perCall(cpuTicks(serverPid) - server),
    natsUsPerCall: perCall(cpuTicks(natsPid) - nats),
  };
}

async function measureP50(target: import("./targets.js").Target, serverPid: number): Promise<Pick<Measure, "p50Us" | "singleUsPerCall">> {
  const latencies: number[] = [];
  const client = process.cpuUsage();
  const server = cpuTicks(serverPid);
  const calls = await closedLoop(target, 1, Math.min(seconds, 3) * 1_000, latencies);
  const clientUs = process.cpuUsage(client);
  const serverUs = ((cpuTicks(serverPid) - server) / CLOCK_TICKS) * 1e6;
  return { p50Us: median(latencies) * 1_000, singleUsPerCall: (clientUs.user + clientUs.system + serverUs) / calls };
}

function targetsToMeasure(list: string | undefined): readonly Kind[] {
  if (list === undefined || list === "") return KINDS;
  const kinds = list.split(",").map((name) => name.trim());
  for (const kind of kinds) {
    if (!(KINDS as readonly string[]).includes(kind)) throw new Error(`BENCH_TARGETS names ${kind}; use ${KINDS.join(", ")}`);
  }
  return KINDS.filter((kind) => kinds.includes(kind));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

await main();
process.exit(0);
