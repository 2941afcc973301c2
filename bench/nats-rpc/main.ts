/**
 * RPC over NATS: Kled (transport "nats") vs Moleculer 0.15 vs raw NATS
 * request-reply, on a nats-server of the bench's own (so that its CPU is
 * the bench's alone), same echo text. Prints calls/s at 64 in flight, p50
 * at 1 in flight, and CPU per call of the client (this process), the server
 * process and nats-server.
 *
 *   node --conditions=kled:source --import tsx bench/nats-rpc/main.ts [seconds per measure, default 5]
 *
 * It runs the runtime from its TypeScript sources through tsx (the
 * `kled:source` condition), which costs Kled's side some CPU per call that
 * a built runtime does not pay (see bench/support/spawn.ts); the baselines
 * are plain JavaScript. Targets run one after the other, each with its own
 * server process, so that each measure has both cores.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/free-port.js";
import { kledTarget, moleculerTarget, rawTarget, MOLECULER_SERIALIZER, type Target } from "./targets.js";

const NATS_SERVER = "/usr/sbin/nats-server";
const HIGH_IN_FLIGHT = 64;
const WARMUP_MS = 1_500;
const seconds = Number(process.argv[2] ?? 5);
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

interface Measure {
  readonly callsPerSecond: number;
  readonly clientUsPerCall: number;
  readonly serverUsPerCall: number;
  readonly natsUsPerCall: number;
}

async function main(): Promise<void> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "kled-nats-rpc-bench-"));
  const nats = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const url = `nats://127.0.0.1:${port}`;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rows: Array<[string, Measure, number]> = [];
  try {
    for (const kind of ["raw", "moleculer", "kled"] as const) {
      const { child, info } = await startServer(kind, url);
      let target: Target;
      if (kind === "kled") target = await kledTarget(url, info["node"] as never);
      else if (kind === "moleculer") target = await moleculerTarget(url);
      else target = await rawTarget(url);
      await closedLoop(target, HIGH_IN_FLIGHT, WARMUP_MS);
      const many = await measureRate(target, child.pid!, nats.pid!);
      const p50 = await measureP50(target);
      rows.push([kind, many, p50]);
      await target.close();
      child.stdin?.end();
      await once(child, "exit");
    }
  } finally {
    nats.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  const moleculer = rows.find(([kind]) => kind === "moleculer")?.[1].callsPerSecond ?? NaN;
  console.log(`RPC over NATS, echo of ${100} characters, ${seconds} s per measure, Node ${process.version}, Moleculer serializer ${MOLECULER_SERIALIZER}`);
  console.log(
    ["target", `calls/s @${HIGH_IN_FLIGHT}`, "× Moleculer", "client µs/call", "server µs/call", "nats-server µs/call", "p50 @1 (µs)"].join("\t"),
  );
  for (const [kind, m, p50] of rows) {
    console.log(
      [
        kind,
        m.callsPerSecond.toFixed(0),
        (m.callsPerSecond / moleculer).toFixed(2),
        m.clientUsPerCall.toFixed(1),
        m.serverUsPerCall.toFixed(1),
        m.natsUsPerCall.toFixed(1),
        p50.toFixed(0),
      ].join("\t"),
    );
  }
}

async function startServer(kind: string, url: string): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const program = fileURLToPath(new URL("./server.ts", import.meta.url));
  const profile = process.env["BENCH_PROFILE_DIR"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROFILE_DIR"]}`];
  const child = spawn(process.execPath, [...profile, "--conditions=kled:source", "--import", "tsx", program, kind, url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, info: JSON.parse(line) as Record<string, unknown> };
}

/** Runs `inFlight` loops of calls for `ms`; resolves with the calls completed and their latencies when asked. */
async function closedLoop(target: Target, inFlight: number, ms: number, latencies?: number[]): Promise<number> {
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

async function measureRate(target: Target, serverPid: number, natsPid: number): Promise<Measure> {
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

async function measureP50(target: Target): Promise<number> {
  const latencies: number[] = [];
  await closedLoop(target, 1, Math.min(seconds, 3) * 1_000, latencies);
  latencies.sort((a, b) => a - b);
  return (latencies[Math.floor(latencies.length / 2)] ?? NaN) * 1_000;
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

await main();
process.exit(0);
