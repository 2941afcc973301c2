/**
 * Suites 1 and 2: Kled against raw @grpc/grpc-js, unary and server
 * streaming, and against each peer stack (peers.ts: Connect-ES 2,
 * nice-grpc 2). Kled and raw share one load process, holding both clients;
 * each peer has a server and a load process of its own. Streaming adds a
 * second Kled server whose Count handler is a sync generator.
 */
import type { Pair } from "../support/alternate.js";
import { compareTargets, runMeasures, whenReady, type MeasuredRun, type ServerPair, type Side } from "../support/compare.js";
import { costRow, latencyRow, rateRow, type Row } from "../support/rows.js";
import { benchProgram } from "../support/paths.js";
import { startChild, type Child } from "../support/spawn.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { compareWithPeers, withPeerRows, type Peer, type PeerPairs } from "./peers.js";
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

/** The targets against raw grpc-js (the peer rows are for information). */
const UNARY_RATE_TARGET = 0.95;
const UNARY_P50_TARGET_US = 30;
const STREAM_RATE_TARGET = 0.95;
/** Client and server CPU per call, each at most this ratio of raw grpc-js's. */
const UNARY_CPU_TARGET = 1.15;

/** `target` on the row against raw grpc-js, none on a peer's. */
const againstRaw = <T>(target: T, peer: Peer | undefined): T | undefined => (peer === undefined ? target : undefined);
type Pairs = readonly Pair<MeasuredRun>[];

/** One comparison's paired rounds: against raw grpc-js and against each peer. */
interface Compared {
  readonly raw: Pairs;
  readonly peers: readonly PeerPairs[];
}

/** A measure's rows off `compared`: `row` is given the peer on the peer rows (no peer: raw grpc-js). */
function at(compared: Compared, row: (pairs: Pairs, peer?: Peer) => Row): Row[] {
  return withPeerRows(compared.raw, compared.peers, row);
}

export const unarySuite: Suite = {
  name: "unary",
  title: "Unary RPC (Echo, 100-byte text) vs raw @grpc/grpc-js, and vs each peer",
  async run(context) {
    const { load, servers } = await rpcProcesses(context, "async-count");
    const kled: Side = { load, target: "kled.unary", server: servers.kled };
    const compare = async (inFlight: number): Promise<Compared> => {
      const what = `unary, ${inFlight} in flight`;
      const raw = await compareTargets(context, load, { kled: "kled.unary", baseline: "raw.unary" }, servers, inFlight, what);
      return { raw, peers: await compareWithPeers(context, kled, "unary", inFlight, what) };
    };
    const one = await compare(1);
    const many = await compare(HIGH_IN_FLIGHT);
    return {
      rows: [
        ...at(many, (pairs, peer) => rateRow(`calls/s, ${HIGH_IN_FLIGHT} in flight`, "/s", pairs, rate, peer?.unaryRateTarget ?? UNARY_RATE_TARGET)),
        ...at(one, (pairs, peer) => latencyRow("p50 latency, 1 in flight", pairs, p50, againstRaw(UNARY_P50_TARGET_US, peer))),
        ...at(one, (pairs) => rateRow("calls/s, 1 in flight", "/s", pairs, rate)),
        ...at(one, (pairs) => latencyRow("p99 latency, 1 in flight", pairs, p99)),
        ...at(many, (pairs) => latencyRow(`p50 latency, ${HIGH_IN_FLIGHT} in flight`, pairs, p50)),
        ...at(many, (pairs) => latencyRow(`p99 latency, ${HIGH_IN_FLIGHT} in flight`, pairs, p99)),
        // CPU per call depends less than throughput on what else runs on the
        // machine; at 1 in flight it is also free of batching effects.
        ...at(one, (pairs, peer) => costRow("client CPU per call, 1 in flight", "µs", pairs, clientCpu, againstRaw(UNARY_CPU_TARGET, peer))),
        ...at(one, (pairs, peer) => costRow("server CPU per call, 1 in flight", "µs", pairs, serverCpu, againstRaw(UNARY_CPU_TARGET, peer))),
        ...at(many, (pairs, peer) => costRow(`client CPU per call, ${HIGH_IN_FLIGHT} in flight`, "µs", pairs, clientCpu, againstRaw(UNARY_CPU_TARGET, peer))),
        ...at(many, (pairs, peer) => costRow(`server CPU per call, ${HIGH_IN_FLIGHT} in flight`, "µs", pairs, serverCpu, againstRaw(UNARY_CPU_TARGET, peer))),
      ],
    };
  },
};

export const streamSuite: Suite = {
  name: "stream",
  title: `Server streaming (Count, n = ${STREAM_COUNT.toLocaleString("en-US")}) vs raw @grpc/grpc-js, and vs each peer`,
  async run(context) {
    // The usual handler, an async generator, and a sync generator, the like
    // of the raw server's write loop; each against the same raw server and
    // the same peers (whose handlers are async generators, the shape both
    // serve streams from).
    const compareCount = async (shape: CountShape, target: string, what: string): Promise<Compared> => {
      const { load, servers } = await rpcProcesses(context, shape);
      await whenReady(load, [target]);
      const label = `stream, ${what} handler`;
      const raw = await compareTargets(context, load, { kled: target, baseline: "raw.stream" }, servers, 1, label);
      const kled: Side = { load, target, server: servers.kled };
      return { raw, peers: await compareWithPeers(context, kled, "stream", 1, label) };
    };
    const asyncPairs = await compareCount("async-count", "kled.stream", "async generator");
    const syncPairs = await compareCount("sync-count", "kled.stream-sync-count", "sync generator");
    return {
      rows: [
        ...at(asyncPairs, (pairs, peer) => rateRow("messages/s, async generator handler", "/s", pairs, rate, againstRaw(STREAM_RATE_TARGET, peer))),
        ...at(syncPairs, (pairs, peer) => rateRow("messages/s, sync generator handler", "/s", pairs, rate, againstRaw(STREAM_RATE_TARGET, peer))),
        ...at(asyncPairs, (pairs) => costRow("client CPU per message", "µs", pairs, clientCpu)),
        ...at(asyncPairs, (pairs) => costRow("server CPU per message, async generator", "µs", pairs, serverCpu)),
        ...at(syncPairs, (pairs) => costRow("server CPU per message, sync generator", "µs", pairs, serverCpu)),
      ],
    };
  },
};
