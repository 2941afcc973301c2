/**
 * The stacks a TypeScript team would pick instead of Kled for gRPC, each
 * serving and calling the same Echo and Count over the same protobuf-es
 * messages. Each runs in a server process and a load process of its own
 * (one load process per stack: a peer's client never shares a process,
 * and so JIT state or the event loop, with Kled's or another peer's).
 * The unary and streaming suites print, under each row against raw
 * grpc-js, one row against each peer.
 */
import type { Pair } from "../support/alternate.js";
import { compareSides, whenReady, type MeasuredRun, type Side } from "../support/compare.js";
import { benchProgram } from "../support/paths.js";
import type { Row } from "../support/rows.js";
import { startChild, type Child } from "../support/spawn.js";
import type { SuiteContext } from "../support/suite.js";

export interface Peer {
  /** As the table prints it. */
  readonly name: string;
  /** Prefix of its targets (`<key>.unary`, `<key>.stream`) and of its children's labels. */
  readonly key: string;
  /** Folder under bench/rpc/ with its server.ts and load.ts. */
  readonly folder: string;
  /** Kled's target for unary calls/s at high concurrency against this peer, as a ratio (issue 18). */
  readonly unaryRateTarget: number;
}

export const peers: readonly Peer[] = [
  { name: "Connect-ES 2 (gRPC)", key: "connect-es", folder: "connect", unaryRateTarget: 2 },
  { name: "nice-grpc 2", key: "nice-grpc", folder: "nice-grpc", unaryRateTarget: 1.1 },
];

/** The paired rounds of Kled against one peer. */
export interface PeerPairs {
  readonly peer: Peer;
  readonly pairs: Pair<MeasuredRun>[];
}

/** A peer's server and load process, started on first use and shared by the suites; its targets answer when this resolves. */
async function peerSide(context: SuiteContext, peer: Peer, kind: "unary" | "stream"): Promise<Side> {
  const { children, env, settings } = context;
  const profileDir = settings.profileDir;
  const server = await children.get(`${peer.key}-server`, () =>
    startChild(benchProgram("rpc", peer.folder, "server.ts"), { label: `${peer.key}-server`, env, profileDir }),
  );
  const load: Child = await children.get(`${peer.key}-load`, () =>
    startChild(benchProgram("rpc", peer.folder, "load.ts"), {
      label: `${peer.key}-load`,
      args: [server.info["address"] ?? ""],
      env,
      profileDir,
    }),
  );
  const target = `${peer.key}.${kind}`;
  await whenReady(load, [target]);
  return { load, target, server };
}

/** Kled's side against every peer in turn, `inFlight` calls at a time. */
export async function compareWithPeers(
  context: SuiteContext,
  kled: Side,
  kind: "unary" | "stream",
  inFlight: number,
  what: string,
): Promise<PeerPairs[]> {
  const results: PeerPairs[] = [];
  for (const peer of peers) {
    const side = await peerSide(context, peer, kind);
    results.push({ peer, pairs: await compareSides(context, kled, side, inFlight, `${what} vs ${peer.name}`) });
  }
  return results;
}

/**
 * One measure as rows: against raw grpc-js, then against each peer (marked
 * `versus`). `row` builds a row from paired rounds; it is given the peer
 * for the peer rows, to pick that peer's target.
 */
export function withPeerRows(
  raw: readonly Pair<MeasuredRun>[],
  againstPeers: readonly PeerPairs[],
  row: (pairs: readonly Pair<MeasuredRun>[], peer?: Peer) => Row,
): Row[] {
  return [row(raw), ...againstPeers.map(({ peer, pairs }) => ({ ...row(pairs, peer), versus: peer.name }))];
}
