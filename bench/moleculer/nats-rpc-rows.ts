/**
 * The peer suite's rows for RPC over NATS: Kled (transport "nats") against
 * Moleculer 0.15 over the same nats-server, and raw NATS request-reply with
 * the same client library for reference. bench/nats-rpc/main.ts measures
 * them (a nats-server of its own, alternating rounds, CPU per call of each
 * process); it runs as a child without the `kled:source` condition, so
 * Kled runs compiled as everywhere else in the bench, and hands its rounds
 * back as one JSON line.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Pair } from "../support/alternate.js";
import { benchProgram, REPO_ROOT } from "../support/paths.js";
import { RESULT_PREFIX, type NatsRpcMeasure, type NatsRpcResult } from "../nats-rpc/result.js";
import { costRow, latencyRow, rateRow, type Row } from "../support/rows.js";
import type { SuiteContext } from "../support/suite.js";

/** The target: Kled over NATS at ≥ 1.5× Moleculer's calls/s at 64 in flight. */
const THROUGHPUT_TARGET = 1.5;

export async function natsRpcRows(context: SuiteContext): Promise<Row[]> {
  const { rounds, runMs } = context.settings;
  context.progress(`peer, RPC over NATS: ${rounds} alternating rounds of ${runMs / 1000} s (bench/nats-rpc/main.ts)`);
  const child = spawn(process.execPath, ["--import", "tsx", benchProgram("nats-rpc", "main.ts"), String(runMs / 1000), String(rounds)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...context.env, BENCH_JSON: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  const line = output.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || line === undefined) throw new Error(`bench/nats-rpc/main.ts exited with ${code} and no result; its output:\n${output}`);
  const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as NatsRpcResult;
  const pairs = (kled: readonly NatsRpcMeasure[]): Pair<NatsRpcMeasure>[] =>
    kled.map((measure, i) => ({ kled: measure, baseline: result.rounds.moleculer[i] as NatsRpcMeasure }));
  const kled = pairs(result.rounds.kled);
  const n = result.inFlight;
  const label = (measure: string) => `Kled over NATS vs Moleculer (${result.moleculerSerializer}): ${measure}`;
  return [
    rateRow(label(`calls/s, ${n} in flight`), "/s", kled, (m) => m.callsPerSecond, THROUGHPUT_TARGET),
    latencyRow(label("p50 latency, 1 in flight"), kled, (m) => m.p50Us / 1000, 0),
    costRow(label(`client CPU per call, ${n} in flight`), "µs", kled, (m) => m.clientUsPerCall),
    costRow(label(`server CPU per call, ${n} in flight`), "µs", kled, (m) => m.serverUsPerCall),
    costRow(label(`nats-server CPU per call, ${n} in flight`), "µs", kled, (m) => m.natsUsPerCall),
    costRow(label("client + server CPU per call, 1 in flight"), "µs", kled, (m) => m.singleUsPerCall),
    rateRow(`reference, raw NATS request-reply in Kled's column: calls/s, ${n} in flight`, "/s", pairs(result.rounds.raw), (m) => m.callsPerSecond),
  ];
}
