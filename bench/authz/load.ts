/**
 * The authz suite's load process: one target per server mode, all three
 * generated echo clients on the client of one `Service` whose client
 * middleware sends the same bearer token, so that every call carries the
 * same bytes whichever server it goes to; only what the server does with
 * the token differs. Usage (by suite.ts): load.ts, with the token in
 * KLED_BENCH_AUTH_TOKEN; the servers are found through mDNS.
 */
import { Service } from "@kled/runtime";
import { bearerToken } from "@kled/runtime/auth";
import { createEchoServiceClient } from "../../test/gen/kled/test/v1/echo_kled.js";
import type { Target } from "../support/closed-loop.js";
import { serveLoad } from "../support/load-program.js";
import { ECHO_TEXT } from "../rpc/workload.js";
import { AUTH_MODES, authServiceName, CALLER_SERVICE_NAME, requiredEnv, TOKEN_ENV } from "./workload.js";

// Not started, like the RPC suites' load: a service that only calls needs no server.
const service = new Service({ name: CALLER_SERVICE_NAME, clientMiddleware: [bearerToken(requiredEnv(TOKEN_ENV))] });
const targets: Record<string, Target> = {};
for (const mode of AUTH_MODES) {
  const client = createEchoServiceClient(service.client, { service: authServiceName(mode) });
  targets[mode] = async () => {
    await client.echo({ text: ECHO_TEXT });
  };
}
serveLoad(targets, () => service.stop());
