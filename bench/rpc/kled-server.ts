/**
 * The Kled side's server process: the echo service as a user writes it — a
 * `Service` with its defaults (logging middleware, health, reflection, mDNS
 * registration) and a plain handler object. The mDNS service type comes from
 * KLED_MDNS_SERVICE_TYPE, set by the orchestrator to keep runs apart.
 */
import { Service } from "@kled/runtime";
import { registerEchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { serveCommands } from "../support/child-process.js";
import { echoHandler } from "./echo-handler.js";
import { KLED_SERVICE_NAME } from "./workload.js";

const service = new Service({ name: KLED_SERVICE_NAME });
registerEchoServiceHandler(service.server, echoHandler);
await service.start();
serveCommands({ address: service.address ?? "" }, {}, () => service.stop());
