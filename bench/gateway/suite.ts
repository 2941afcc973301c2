/**
 * The gateway suite: `tools/call` of a trivial tool (`add`) through the
 * Kled MCP gateway to a Kled backend (gateway-server.ts → gRPC →
 * backend.ts), against the same tool served by the official SDK's own
 * server over Streamable HTTP in one process (sdk-server.ts), what one
 * writes without Kled. One load process drives both with the official
 * client (load.ts). The target, printed with the ratio and not
 * asserted: ≥ 0.7× the SDK server's throughput despite the extra gRPC hop.
 */
import { compareTargets, runMeasures, servingTogether, whenReady } from "../support/compare.js";
import type { RunArgs } from "../support/load-program.js";
import { benchProgram } from "../support/paths.js";
import { costRow, latencyRow, rateRow } from "../support/rows.js";
import { startChild, type Child } from "../support/spawn.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { GATEWAY_IN_FLIGHT, GATEWAY_TARGETS, URL_ENV } from "./workload.js";

/** The target: the gateway keeps at least 0.7× the in-process SDK server's calls/s. */
const THROUGHPUT_TARGET = 0.7;

async function gatewayProcesses(context: SuiteContext): Promise<{ load: Child; gateway: Child; backend: Child; sdk: Child }> {
  const { children, env } = context;
  const profileDir = context.settings.profileDir;
  const start = (file: string, label: string) => children.get(label, () => startChild(benchProgram("gateway", file), { label, env, profileDir }));
  const [backend, gateway, sdk] = await Promise.all([
    start("backend.ts", "gateway-backend"),
    start("gateway-server.ts", "gateway-server"),
    start("sdk-server.ts", "gateway-sdk-server"),
  ]);
  const load = await children.get("gateway-load", async () => {
    const urls = { [URL_ENV.gateway]: gateway.info["url"] ?? "", [URL_ENV.sdk]: sdk.info["url"] ?? "" };
    const load = await startChild(benchProgram("gateway", "load.ts"), { label: "gateway-load", env: { ...env, ...urls }, profileDir });
    // `ready` retries until a call succeeds: the gateway lists the backend once mDNS has announced it.
    await whenReady(load, GATEWAY_TARGETS);
    // Both sides get the same load once before any measurement (see authz/suite.ts).
    for (const target of GATEWAY_TARGETS) {
      await load.call("run", { target, inFlight: GATEWAY_IN_FLIGHT, durationMs: context.settings.warmupMs } satisfies RunArgs);
    }
    return load;
  });
  return { load, gateway, backend, sdk };
}

const { rate, p50Ms: p50, serverCpu } = runMeasures;

export const gatewaySuite: Suite = {
  name: "gateway",
  title: "MCP tools/call through the Kled gateway to a Kled backend vs the SDK's own Streamable HTTP server",
  async run(context) {
    const { load, gateway, backend, sdk } = await gatewayProcesses(context);
    // The serving side's CPU: the gateway and its backend together do what the SDK server does alone.
    const servers = { kled: servingTogether([gateway, backend]), baseline: sdk };
    const compare = (inFlight: number) =>
      compareTargets(context, load, { kled: "gateway", baseline: "sdk" }, servers, inFlight, `gateway tools/call, ${inFlight} in flight`);
    const many = await compare(GATEWAY_IN_FLIGHT);
    const one = await compare(1);
    return {
      rows: [
        rateRow(`tools/call/s, ${GATEWAY_IN_FLIGHT} in flight`, "/s", many, rate, THROUGHPUT_TARGET),
        // For information, and steadier than calls/s on a busy machine: what serving a call costs, the hop included.
        costRow(`serving CPU per call (gateway + backend), ${GATEWAY_IN_FLIGHT} in flight`, "µs", many, serverCpu),
        latencyRow("tools/call p50 latency, 1 in flight", one, p50),
      ],
    };
  },
};
