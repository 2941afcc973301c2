/**
 * Suites 1 and 2: Kled against raw @grpc/grpc-js, unary and server
 * streaming. Both use the same children: the Kled server, the raw server,
 * and one load process holding both clients; streaming adds a second Kled
 * server whose Count handler is a sync generator.
 */
import { compareTargets, runMeasures, whenReady, type ServerPair } from "../support/compare.js";
import { costRow, latencyRow, rateRow } from "../support/rows.js";
import { benchProgram } from "../support/paths.js";
import { startChild, type Child } from "../support/spawn.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { kledEchoServer, rawEchoServer, type CountShape } from "./servers.js";
import { HIGH_IN_FLIGHT, STREAM_COUNT } from "./workload.js";

/** The load process, with the servers it calls started and discovered. */
async function rpcProcesses(context: SuiteContext, countShape: CountShape): Promise<{ load: Child; servers: ServerPair }> {
  const [kled, raw] = await Promise.all([kledEchoServer(context, countShape), rawEchoServer(context)]);
  const load = await context.children.get("rpc-load", async () => {
    const load = await startChild(benchProgram("rpc", "load.ts"), {
      label: "rpc-load",
      args: [raw.info["address"] ?? ""],
      env: context.env,
      profileDir: context.settings.profileDir,
    });
    await whenReady(load, ["kled.unary", "raw.unary"]);
    return load;
  });
  return { load, servers: { kled, baseline: raw } };
}

const { rate, p50Ms: p50, p99Ms: p99, clientCpu, serverCpu } = runMeasures;

export const unarySuite: Suite = {
  name: "unary",
  title: "Unary RPC (Echo, 100-byte text) vs raw @grpc/grpc-js",
  async run(context) {
    const { load, servers } = await rpcProcesses(context, "async-count");
    const targets = { kled: "kled.unary", baseline: "raw.unary" };
    const one = await compareTargets(context, load, targets, servers, 1, "unary, 1 in flight");
    const many = await compareTargets(context, load, targets, servers, HIGH_IN_FLIGHT, `unary, ${HIGH_IN_FLIGHT} in flight`);
    return {
      rows: [
        rateRow(`calls/s, ${HIGH_IN_FLIGHT} in flight`, "/s", many, rate, 0.95),
        latencyRow("p50 latency, 1 in flight", one, p50, 30),
        rateRow("calls/s, 1 in flight", "/s", one, rate),
        latencyRow("p99 latency, 1 in flight", one, p99),
        latencyRow(`p50 latency, ${HIGH_IN_FLIGHT} in flight`, many, p50),
        latencyRow(`p99 latency, ${HIGH_IN_FLIGHT} in flight`, many, p99),
        // CPU per call depends less than throughput on what else runs on the
        // machine; at 1 in flight it is also free of batching effects.
        costRow("client CPU per call, 1 in flight", "µs", one, clientCpu),
        costRow("server CPU per call, 1 in flight", "µs", one, serverCpu),
        costRow(`client CPU per call, ${HIGH_IN_FLIGHT} in flight`, "µs", many, clientCpu),
        costRow(`server CPU per call, ${HIGH_IN_FLIGHT} in flight`, "µs", many, serverCpu),
      ],
    };
  },
};

export const streamSuite: Suite = {
  name: "stream",
  title: `Server streaming (Count, n = ${STREAM_COUNT.toLocaleString("en-US")}) vs raw @grpc/grpc-js`,
  async run(context) {
    // The usual handler, an async generator, and a sync generator, the like
    // of the raw server's write loop; each against the same raw server.
    const compareCount = async (shape: CountShape, target: string, what: string) => {
      const { load, servers } = await rpcProcesses(context, shape);
      await whenReady(load, [target]);
      return compareTargets(context, load, { kled: target, baseline: "raw.stream" }, servers, 1, `stream, ${what} handler`);
    };
    const asyncPairs = await compareCount("async-count", "kled.stream", "async generator");
    const syncPairs = await compareCount("sync-count", "kled.stream-sync-count", "sync generator");
    return {
      rows: [
        rateRow("messages/s, async generator handler", "/s", asyncPairs, rate, 0.95),
        rateRow("messages/s, sync generator handler", "/s", syncPairs, rate, 0.95),
        costRow("client CPU per message", "µs", asyncPairs, clientCpu),
        costRow("server CPU per message, async generator", "µs", asyncPairs, serverCpu),
        costRow("server CPU per message, sync generator", "µs", syncPairs, serverCpu),
      ],
    };
  },
};
