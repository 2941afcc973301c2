/**
 * The Kled side's server process: the echo service as a user writes it
 * (echo-servers.ts). The mDNS service type comes from
 * KLED_MDNS_SERVICE_TYPE, set by the orchestrator to keep runs apart.
 * Usage: kled-server.ts [async-count|sync-count] — which shape of Count
 * handler to serve (echo-handler.ts), each under a service name of its own.
 */
import { serveCommands } from "../support/child-process.js";
import { startKledEcho } from "./echo-servers.js";

const shape = process.argv[2] ?? "async-count";
if (shape !== "async-count" && shape !== "sync-count") {
  throw new Error(`usage: kled-server.ts [async-count|sync-count]; got "${shape}"`);
}
const server = await startKledEcho(shape);
serveCommands({ address: server.address }, {}, () => server.stop());
