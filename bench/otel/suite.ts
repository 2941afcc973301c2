/**
 * The otel suite: what the OpenTelemetry instrumentation costs a unary
 * call, client and server both instrumented (server.ts, load.ts):
 *   - tracing and metrics on (the SDK, every call sampled, spans batched to
 *     an exporter that drops them) against the plugin with no SDK: the
 *     cost of recording; the target is ≥ 0.9×;
 *   - the plugin with no SDK against services without it: the cost of the
 *     hooks when nobody records; target ≥ 0.99×.
 * The targets are printed with the ratios; nothing asserts them.
 */
import { compareTargets, runMeasures, whenReady } from "../support/compare.js";
import type { RunArgs } from "../support/load-program.js";
import { benchProgram } from "../support/paths.js";
import { costRow, latencyRow, rateRow } from "../support/rows.js";
import { startChild, type Child } from "../support/spawn.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { HIGH_IN_FLIGHT } from "../rpc/workload.js";
import { OTEL_MODES, type OtelMode } from "./workload.js";

/** The targets: recording may cost a tenth of the throughput, hooks without an SDK a hundredth. */
const TRACED_TARGET = 0.9;
const NO_SDK_TARGET = 0.99;

async function otelProcesses(context: SuiteContext): Promise<{ load: Child; servers: Record<OtelMode, Child> }> {
  const { children, env } = context;
  const profileDir = context.settings.profileDir;
  const childEnv = { ...env, OTEL_LOGS_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none", OTEL_TRACES_EXPORTER: "none" };
  const started = await Promise.all(
    OTEL_MODES.map((mode) => {
      const label = `otel-${mode}-server`;
      return children.get(label, () => startChild(benchProgram("otel", "server.ts"), { label, args: [mode], env: childEnv, profileDir }));
    }),
  );
  const servers = Object.fromEntries(OTEL_MODES.map((mode, i) => [mode, started[i]])) as Record<OtelMode, Child>;
  const load = await children.get("otel-load", async () => {
    const load = await startChild(benchProgram("otel", "load.ts"), { label: "otel-load", env: childEnv, profileDir });
    await whenReady(load, OTEL_MODES);
    // Every server gets the same load once before any measurement (see authz/suite.ts).
    for (const mode of OTEL_MODES) {
      await load.call("run", { target: mode, inFlight: HIGH_IN_FLIGHT, durationMs: context.settings.warmupMs } satisfies RunArgs);
    }
    return load;
  });
  return { load, servers };
}

const { rate, p50Ms: p50, serverCpu } = runMeasures;

export const otelSuite: Suite = {
  name: "otel",
  title: "OpenTelemetry overhead (Echo): traced vs the plugin without an SDK, and that vs no plugin",
  async run(context) {
    const { load, servers } = await otelProcesses(context);
    const compare = (kled: OtelMode, baseline: OtelMode, inFlight: number, what: string) =>
      compareTargets(context, load, { kled, baseline }, { kled: servers[kled], baseline: servers[baseline] }, inFlight, `otel ${what}, ${inFlight} in flight`);
    const tracedMany = await compare("traced", "nosdk", HIGH_IN_FLIGHT, "traced vs no SDK");
    const tracedOne = await compare("traced", "nosdk", 1, "traced vs no SDK");
    const hooksMany = await compare("nosdk", "none", HIGH_IN_FLIGHT, "no SDK vs no plugin");
    return {
      rows: [
        rateRow(`calls/s, ${HIGH_IN_FLIGHT} in flight, traced + metrics vs no SDK`, "/s", tracedMany, rate, TRACED_TARGET),
        latencyRow("p50 latency, 1 in flight, traced + metrics vs no SDK", tracedOne, p50),
        costRow(`server CPU per call, ${HIGH_IN_FLIGHT} in flight, traced + metrics vs no SDK`, "µs", tracedMany, serverCpu),
        rateRow(`calls/s, ${HIGH_IN_FLIGHT} in flight, plugin without SDK vs no plugin`, "/s", hooksMany, rate, NO_SDK_TARGET),
        costRow(`server CPU per call, ${HIGH_IN_FLIGHT} in flight, plugin without SDK vs no plugin`, "µs", hooksMany, serverCpu),
      ],
    };
  },
};
