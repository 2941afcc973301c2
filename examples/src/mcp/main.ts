/**
 * The example MCP tool service as a process:
 *
 *   node --conditions=kled:source --import tsx examples/src/mcp/main.ts [--address 127.0.0.1:50051]
 *
 * Registers as "kled.mcp.tools" in the registry KLED_REGISTRY names (mDNS
 * by default) and serves until SIGINT or SIGTERM, then stops gracefully.
 */
import { Service } from "@kled/runtime";
import { registerMcpServiceHandler } from "../gen/kled/mcp/v1/mcp_kled.js";
import { processOptions } from "../shared/process-options.js";
import { MCP_SERVICE_NAME } from "../shared/service-names.js";
import { McpToolService } from "./handler.js";

const options = processOptions("mcp", process.argv.slice(2));
const service = new Service({ name: MCP_SERVICE_NAME, version: "0.1.0", ...options });
registerMcpServiceHandler(
  service.server,
  // The node id is known once the service has started, before any call arrives.
  new McpToolService({ instanceId: () => service.nodeId ?? "starting", version: service.version }),
);
await service.run();
