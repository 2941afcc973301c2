/**
 * The gateway suite: `tools/call` of a trivial tool (`add`) through the
 * Kled MCP gateway to a Kled backend (gateway-server.ts → gRPC →
 * backend.ts), against the same tool served by the official SDK's own
 * server over Streamable HTTP in one process (sdk-server.ts), what one
 * writes without Kled. One load process drives both with the official
 * client (load.ts). The target, printed with the ratio and not
 * asserted: ≥ 0.7× the SDK server's throughput despite the extra gRPC hop.
 * When NATS answers (NATS_URL), a second gateway and backend make the same
 * hop over NATS, for information: how much of the gap is the hop's transport.
 */
import { compareTargets, runMeasures, servingTogether, whenReady } from "../support/compare.js";
import type { RunArgs } from "../support/load-program.js";
import { benchProgram } from "../support/paths.js";
import { costRow, latencyRow, rateRow } from "../support/rows.js";
import { startChild, type Child } from "../support/spawn.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { NATS_URL } from "../moleculer/broker.js";
import { unreachable } from "../moleculer/nats-reachable.js";
import { GATEWAY_IN_FLIGHT, GATEWAY_TARGETS, URL_ENV, type GatewayTarget } from "./workload.js";

/** The target: the gateway keeps at least 0.7× the in-process SDK server's calls/s. */
const THROUGHPUT_TARGET = 0.7;

/** A gateway and the backend it reaches. */
interface GatewayPair {
  readonly gateway: Child;
  readonly backend: Child;
}

interface GatewayProcesses {
  readonly load: Child;
  readonly sdk: Child;
  readonly grpc: GatewayPair;
  /** The pair whose hop runs over NATS; undefined when NATS does not answer. */
  readonly nats: GatewayPair | undefined;
}

async function gatewayProcesses(context: SuiteContext): Promise<GatewayProcesses> {
  const { children, env } = context;
  const profileDir = context.settings.profileDir;
  const start = (file: string, label: string, childEnv = env) =>
    children.get(label, () => startChild(benchProgram("gateway", file), { label, env: childEnv, profileDir }));
  const natsUnreachable = await unreachable(NATS_URL);
  if (natsUnreachable !== undefined) context.progress(`gateway: no comparison with the hop over NATS: ${natsUnreachable}`);
  // The NATS pair serves and calls over NATS (KLED_TRANSPORT), and registers
  // on a DNS-SD type of its own: each gateway must see only its own backend.
  const natsEnv = { ...env, KLED_TRANSPORT: NATS_URL, KLED_MDNS_SERVICE_TYPE: (env["KLED_MDNS_SERVICE_TYPE"] ?? "").replace(/\._tcp$/, "-nats._tcp") };
  const [backend, gateway, sdk, nats] = await Promise.all([
    start("backend.ts", "gateway-backend"),
    start("gateway-server.ts", "gateway-server"),
    start("sdk-server.ts", "gateway-sdk-server"),
    natsUnreachable !== undefined
      ? undefined
      : Promise.all([start("backend.ts", "gateway-nats-backend", natsEnv), start("gateway-server.ts", "gateway-nats-server", natsEnv)]),
  ]);
  const servers: Partial<Record<GatewayTarget, Child>> = { gateway, sdk, ...(nats === undefined ? {} : { "gateway-nats": nats[1] }) };
  const targets = GATEWAY_TARGETS.filter((target) => servers[target] !== undefined);
  const load = await children.get("gateway-load", async () => {
    const urls = Object.fromEntries(targets.map((target) => [URL_ENV[target], servers[target]?.info["url"] ?? ""]));
    const load = await startChild(benchProgram("gateway", "load.ts"), { label: "gateway-load", env: { ...env, ...urls }, profileDir });
    // `ready` retries until a call succeeds: the gateway lists the backend once mDNS has announced it.
    await whenReady(load, targets);
    // Every side gets the same load once before any measurement (see authz/suite.ts).
    for (const target of targets) {
      await load.call("run", { target, inFlight: GATEWAY_IN_FLIGHT, durationMs: context.settings.warmupMs } satisfies RunArgs);
    }
    return load;
  });
  return { load, sdk, grpc: { gateway, backend }, nats: nats === undefined ? undefined : { backend: nats[0], gateway: nats[1] } };
}

const { rate, p50Ms: p50, serverCpu } = runMeasures;

export const gatewaySuite: Suite = {
  name: "gateway",
  title: "MCP tools/call through the Kled gateway to a Kled backend vs the SDK's own Streamable HTTP server",
  async run(context) {
    const { load, sdk, grpc, nats } = await gatewayProcesses(context);
    // The serving side's CPU: the gateway and its backend together do what the SDK server does alone.
    const compare = (target: GatewayTarget, pair: GatewayPair, inFlight: number) =>
      compareTargets(
        context,
        load,
        { kled: target, baseline: "sdk" },
        { kled: servingTogether([pair.gateway, pair.backend]), baseline: sdk },
        inFlight,
        `${target} tools/call, ${inFlight} in flight`,
      );
    const many = await compare("gateway", grpc, GATEWAY_IN_FLIGHT);
    const one = await compare("gateway", grpc, 1);
    const overNats = nats === undefined ? undefined : await compare("gateway-nats", nats, GATEWAY_IN_FLIGHT);
    return {
      rows: [
        rateRow(`tools/call/s, ${GATEWAY_IN_FLIGHT} in flight`, "/s", many, rate, THROUGHPUT_TARGET),
        // For information, and steadier than calls/s on a busy machine: what serving a call costs, the hop included.
        costRow(`serving CPU per call (gateway + backend), ${GATEWAY_IN_FLIGHT} in flight`, "µs", many, serverCpu),
        latencyRow("tools/call p50 latency, 1 in flight", one, p50),
        // For information: what the hop's transport weighs. nats-server's own CPU is not in the second row.
        ...(overNats === undefined
          ? []
          : [
              rateRow(`tools/call/s, ${GATEWAY_IN_FLIGHT} in flight, the hop over NATS`, "/s", overNats, rate),
              costRow(`serving CPU per call (gateway + backend), ${GATEWAY_IN_FLIGHT} in flight, the hop over NATS`, "µs", overNats, serverCpu),
            ]),
      ],
    };
  },
};
