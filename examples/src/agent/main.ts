/**
 * The example agent as a process:
 *
 *   node --conditions=kled:source --import tsx examples/src/agent/main.ts [--address 127.0.0.1:50061]
 *
 * Registers as "kled.agent" and runs tasks with the MCP services it finds in
 * the same registry (start examples/src/mcp/main.ts too). Serves until
 * SIGINT or SIGTERM, then stops gracefully.
 */
import { Service } from "@kled/runtime";
import { registerAgentServiceHandler } from "../gen/kled/agent/v1/agent_kled.js";
import { processOptions } from "../shared/process-options.js";
import { AGENT_SERVICE_NAME } from "../shared/service-names.js";
import { createExampleAgent } from "./create-agent.js";

const options = processOptions("agent", process.argv.slice(2));
const service = new Service({ name: AGENT_SERVICE_NAME, version: "0.1.0", ...options });
const agent = createExampleAgent({
  registry: service.registry,
  client: service.client,
  logger: service.logger,
  version: service.version,
});
registerAgentServiceHandler(service.server, agent.handler);
// Running tasks end first (FAILED: "the agent stopped"), so that open
// SubscribeTask streams get their final event and the server drains quickly.
service.beforeStop(() => agent.stop());
await service.run();
