/**
 * The Kled side's server process: the echo service as a user writes it — a
 * `Service` with its defaults (logging middleware, health, reflection, mDNS
 * registration) and a plain handler object. The mDNS service type comes from
 * KLED_MDNS_SERVICE_TYPE, set by the orchestrator to keep runs apart.
 * Usage: kled-server.ts [async-count|sync-count] — which shape of Count
 * handler to serve (echo-handler.ts), each under a service name of its own.
 */
import { Service } from "@kled/runtime";
import { registerEchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { serveCommands } from "../support/child-process.js";
import { echoHandler, syncCountEchoHandler } from "./echo-handler.js";
import { KLED_SERVICE_NAME, KLED_SYNC_COUNT_SERVICE_NAME } from "./workload.js";

const shape = process.argv[2] ?? "async-count";
if (shape !== "async-count" && shape !== "sync-count") {
  throw new Error(`usage: kled-server.ts [async-count|sync-count]; got "${shape}"`);
}
const sync = shape === "sync-count";
const service = new Service({ name: sync ? KLED_SYNC_COUNT_SERVICE_NAME : KLED_SERVICE_NAME });
registerEchoServiceHandler(service.server, sync ? syncCountEchoHandler : echoHandler);
await service.start();
serveCommands({ address: service.address ?? "" }, {}, () => service.stop());
