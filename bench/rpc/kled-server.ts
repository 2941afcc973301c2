/**
 * The Kled side's server process: the echo service as a user writes it — a
 * `Service` with its defaults (logging middleware, health, reflection, mDNS
 * registration) and a plain handler object. The mDNS service type comes from
 * KLED_MDNS_SERVICE_TYPE, set by the orchestrator to keep runs apart.
 */
import { Code, KledError, Service } from "@kled/runtime";
import { registerEchoServiceHandler, type EchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { serveCommands } from "../support/child-process.js";
import { KLED_SERVICE_NAME } from "./workload.js";

const handler: EchoServiceHandler = {
  echo: (request) => ({ text: request.text }),
  async *count(request) {
    for (let value = 1; value <= request.n; value++) yield { value };
  },
  // The bench calls only Echo and Count; a service must implement every RPC.
  sum() {
    throw new KledError(Code.Unimplemented, "not part of the bench");
  },
  chat() {
    throw new KledError(Code.Unimplemented, "not part of the bench");
  },
};

const service = new Service({ name: KLED_SERVICE_NAME });
registerEchoServiceHandler(service.server, handler);
await service.start();
serveCommands({ address: service.address ?? "" }, {}, () => service.stop());
