/**
 * Suite 3: a peer framework. Moleculer 0.15 request-reply through its NATS
 * transporter (a broker in its server process, one in the load process)
 * against a Kled unary call with the same text over gRPC, both from the
 * same load process and closed loop; a reference row compares raw grpc-js
 * with Moleculer too, which separates what Kled adds from what gRPC over
 * HTTP/2 costs in Node next to a NATS request-reply. Then Kled's own RPC
 * over NATS against Moleculer on one nats-server (nats-rpc-rows.ts), with
 * the target on it.
 */
import { randomBytes } from "node:crypto";
import { compareTargets, runMeasures, whenReady } from "../support/compare.js";
import { latencyRow, rateRow } from "../support/rows.js";
import { benchProgram } from "../support/paths.js";
import { startChild } from "../support/spawn.js";
import type { Suite } from "../support/suite.js";
import { NATS_URL } from "./broker.js";
import { natsRpcRows } from "./nats-rpc-rows.js";
import { unreachable } from "./nats-reachable.js";
import { kledEchoServer, rawEchoServer } from "../rpc/servers.js";
import { HIGH_IN_FLIGHT } from "../rpc/workload.js";

export const peerSuite: Suite = {
  name: "peer",
  title: `Peer: Moleculer 0.15 request-reply over NATS (${NATS_URL}) vs Kled unary over gRPC, and over NATS`,
  async run(context) {
    const why = await unreachable(NATS_URL);
    if (why !== undefined) return { skipped: why };
    const { children, env } = context;
    const profileDir = context.settings.profileDir;
    const namespace = `kled-bench-${randomBytes(4).toString("hex")}`;
    const [kledServer, rawServer, moleculerServer] = await Promise.all([
      kledEchoServer(context),
      rawEchoServer(context),
      children.get("moleculer-server", () =>
        startChild(benchProgram("moleculer", "server.ts"), { label: "moleculer-server", args: [namespace], env, profileDir }),
      ),
    ]);
    const load = await children.get("moleculer-load", () =>
      startChild(benchProgram("moleculer", "load.ts"), {
        label: "moleculer-load",
        args: [namespace, rawServer.info["address"] ?? ""],
        env,
        profileDir,
      }),
    );
    await whenReady(load, ["kled.unary", "raw.unary", "moleculer.unary"]);
    const targets = { kled: "kled.unary", baseline: "moleculer.unary" };
    const servers = { kled: kledServer, baseline: moleculerServer };
    const many = await compareTargets(context, load, targets, servers, HIGH_IN_FLIGHT, `peer, ${HIGH_IN_FLIGHT} in flight`);
    const one = await compareTargets(context, load, targets, servers, 1, "peer, 1 in flight");
    const reference = await compareTargets(
      context,
      load,
      { kled: "raw.unary", baseline: "moleculer.unary" },
      { kled: rawServer, baseline: moleculerServer },
      HIGH_IN_FLIGHT,
      `peer reference (raw grpc-js), ${HIGH_IN_FLIGHT} in flight`,
    );
    const { rate, p50Ms } = runMeasures;
    return {
      rows: [
        rateRow(`Kled over gRPC: calls/s, ${HIGH_IN_FLIGHT} in flight`, "/s", many, rate),
        rateRow("Kled over gRPC: calls/s, 1 in flight", "/s", one, rate),
        latencyRow("Kled over gRPC: p50 latency, 1 in flight", one, p50Ms),
        rateRow(`reference, raw grpc-js in Kled's column: calls/s, ${HIGH_IN_FLIGHT} in flight`, "/s", reference, rate),
        ...(await natsRpcRows(context)),
      ],
    };
  },
};
