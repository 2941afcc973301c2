/**
 * The load generator every suite uses, for Kled and for its baseline alike:
 * a closed loop with a fixed number of calls in flight, each worker starting
 * its next call as soon as the previous one ends. Closed, not open (fixed
 * rate): on two cores the generator shares the machine with the server, and a
 * fixed arrival rate would measure the generator's queue as much as the RPC.
 */
import { LatencyRecorder } from "./stats.js";

/** One call; resolves to the units it produced (messages of a stream), or nothing for one. */
export type Target = () => Promise<number | void>;

/** What one run measured. */
export interface RunResult {
  /** Calls completed. */
  readonly calls: number;
  /** Units completed: calls for unary targets, messages for streams. */
  readonly units: number;
  /** From the first call's start to the last call's end, ms. */
  readonly elapsedMs: number;
  /** Units per second. */
  readonly perSecond: number;
  /** Call latency percentiles, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /**
   * CPU time (user + system) the load process spent during the run, µs: the
   * client's cost, which unlike throughput does not depend on how much of
   * the machine other processes take.
   */
  readonly clientCpuUs: number;
}

/**
 * Runs `target` with `inFlight` calls at a time until `durationMs` has
 * passed; calls under way then are waited for and counted. A failing call
 * fails the run: a benchmark that swallows errors measures error paths.
 */
export async function closedLoop(target: Target, inFlight: number, durationMs: number): Promise<RunResult> {
  const latencies = new LatencyRecorder();
  let units = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const callStarted = performance.now();
      const produced = await target();
      latencies.record(performance.now() - callStarted);
      units += typeof produced === "number" ? produced : 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    calls: latencies.count,
    units,
    elapsedMs,
    perSecond: (units * 1000) / elapsedMs,
    ...latencies.summary(),
    clientCpuUs: cpu.user + cpu.system,
  };
}
