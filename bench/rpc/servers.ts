/**
 * The echo server children the RPC and peer suites share: started on first
 * use, kept by the run's child pool under their label, so that each runs
 * once per `npm run bench` whichever suites ask for it.
 */
import { benchProgram } from "../support/paths.js";
import { startChild, type Child } from "../support/spawn.js";
import type { SuiteContext } from "../support/suite.js";

/** Which Count handler a Kled echo server serves (kled-server.ts). */
export type CountShape = "async-count" | "sync-count";

/** The Kled echo server serving Count as `shape`. */
export function kledEchoServer(context: SuiteContext, shape: CountShape = "async-count"): Promise<Child> {
  const label = shape === "async-count" ? "kled-server" : "kled-server-sync-count";
  return echoServer(context, label, "kled-server.ts", [shape]);
}

/** The raw @grpc/grpc-js echo server. */
export function rawEchoServer(context: SuiteContext): Promise<Child> {
  return echoServer(context, "raw-server", "raw-server.ts", []);
}

function echoServer(context: SuiteContext, label: string, program: string, args: readonly string[]): Promise<Child> {
  const { children, env, settings } = context;
  return children.get(label, () => startChild(benchProgram("rpc", program), { label, args, env, profileDir: settings.profileDir }));
}
