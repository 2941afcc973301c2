/**
 * A Kled target against its baseline target on one load process: a warm-up
 * run of each (JIT, connections, caches), then paired measured rounds.
 */
import { alternate, type Pair } from "./alternate.js";
import type { RunResult } from "./closed-loop.js";
import type { RunArgs } from "./load-program.js";
import { CPU_COMMAND } from "./protocol.js";
import type { Child } from "./spawn.js";
import type { SuiteContext } from "./suite.js";

/** Names of the two targets in the load process. */
export interface TargetPair {
  readonly kled: string;
  readonly baseline: string;
}

/** What a side's server CPU time is read from: its server process, or several as one. */
export type CpuSource = Pick<Child, "call">;

/** The server process of each side, whose CPU time is measured around each run. */
export interface ServerPair {
  readonly kled: CpuSource;
  readonly baseline: CpuSource;
}

/**
 * Several processes measured as one server, their CPU times added up: the
 * serving side of a comparison whose work one side splits across processes
 * (the MCP gateway and its backend against one in-process server).
 */
export function servingTogether(children: readonly Child[]): CpuSource {
  return {
    async call<T>(command: string): Promise<T> {
      if (command !== CPU_COMMAND) throw new Error(`servingTogether answers only ${CPU_COMMAND}, not ${command}`);
      const times = await Promise.all(children.map((child) => child.call<number>(CPU_COMMAND)));
      return times.reduce((sum, time) => sum + time, 0) as T;
    },
  };
}

/** A run, with the CPU time its server spent meanwhile (µs). */
export interface MeasuredRun extends RunResult {
  readonly serverCpuUs: number;
}

/**
 * What the rows of the closed-loop suites read off a run. Per unit: per call
 * for unary calls, per message for streams.
 */
export const runMeasures = {
  rate: (run: RunResult) => run.perSecond,
  p50Ms: (run: RunResult) => run.p50Ms,
  p99Ms: (run: RunResult) => run.p99Ms,
  clientCpu: (run: RunResult) => run.clientCpuUs / run.units,
  serverCpu: (run: MeasuredRun) => run.serverCpuUs / run.units,
};

export async function compareTargets(
  context: SuiteContext,
  load: Child,
  targets: TargetPair,
  servers: ServerPair,
  inFlight: number,
  what: string,
): Promise<Pair<MeasuredRun>[]> {
  return compareSides(
    context,
    { load, target: targets.kled, server: servers.kled },
    { load, target: targets.baseline, server: servers.baseline },
    inFlight,
    what,
  );
}

/**
 * One side of a comparison: a target in a load process, and the server it
 * calls. The two sides of a comparison may live in different load processes
 * (a peer stack in a load process of its own, as a team using it would run it).
 */
export interface Side {
  readonly load: Child;
  readonly target: string;
  readonly server: CpuSource;
}

/** {@link compareTargets} with each side's load process named. */
export async function compareSides(
  context: SuiteContext,
  kled: Side,
  baseline: Side,
  inFlight: number,
  what: string,
): Promise<Pair<MeasuredRun>[]> {
  const { rounds, runMs, warmupMs } = context.settings;
  const run = async ({ load, target, server }: Side, durationMs: number): Promise<MeasuredRun> => {
    const before = await server.call<number>(CPU_COMMAND);
    const result = await load.call<RunResult>("run", { target, inFlight, durationMs } satisfies RunArgs);
    return { ...result, serverCpuUs: (await server.call<number>(CPU_COMMAND)) - before };
  };
  context.progress(`${what}: warm-up`);
  await run(kled, warmupMs);
  await run(baseline, warmupMs);
  return alternate(
    rounds,
    () => run(kled, runMs),
    () => run(baseline, runMs),
    (round) => context.progress(`${what}: round ${round}/${rounds}`),
  );
}

/** Waits until each target answers (discovery done) so that no measured call includes it. */
export async function whenReady(load: Child, targets: readonly string[]): Promise<void> {
  for (const target of targets) await load.call("ready", { target, timeoutMs: 20_000 });
}
