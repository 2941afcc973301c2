/**
 * A client-only process's first call: from creating its client to the first
 * reply, as a script or a job that calls one service and exits pays it. The
 * client is `new KledClient({ registry: "mdns" })` either way; the call goes
 * through mDNS discovery (`mdns`), or straight to the node (`<host:port>`,
 * the generated client's `address` option), so that the difference is what
 * discovery costs. Runs from the compiled runtime (see support/spawn.ts);
 * KLED_MDNS_SERVICE_TYPE is the bench run's.
 * Usage: first-call.ts mdns|<host:port> — prints {"ms": …}.
 */
import { KledClient } from "@kled/runtime";
import { createEchoServiceClient } from "../../test/gen/kled/test/v1/echo_kled.js";
import { ECHO_TEXT, KLED_SERVICE_NAME } from "../rpc/workload.js";

/** Far above a first call (about 200 ms through mDNS): a slower one is a failure, not a figure. */
const FIRST_CALL_TIMEOUT_MS = 10_000;

const target = process.argv[2];
if (target === undefined) throw new Error("usage: first-call.ts mdns|<host:port>");

const started = performance.now();
const client = new KledClient({ registry: "mdns" });
const echo = createEchoServiceClient(client, {
  service: KLED_SERVICE_NAME,
  timeoutMs: FIRST_CALL_TIMEOUT_MS,
  ...(target === "mdns" ? {} : { address: target }),
});
await echo.echo({ text: ECHO_TEXT });
const ms = performance.now() - started;
await client.close();
console.log(JSON.stringify({ ms }));
