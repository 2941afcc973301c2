/**
 * The gateway suite's Kled backend: the example MCP tool service (the same
 * handler the demo runs, without its auth middleware: the suite measures
 * the gateway, not JWT verification), registered as BACKEND_SERVICE_NAME.
 * Usage (by suite.ts): backend.ts.
 */
import { Service } from "@kled/runtime";
import { registerMcpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { McpToolService } from "../../examples/src/mcp/handler.js";
import { serveCommands } from "../support/child-process.js";
import { BACKEND_SERVICE_NAME } from "./workload.js";

const service = new Service({ name: BACKEND_SERVICE_NAME });
registerMcpServiceHandler(service.server, new McpToolService({ instanceId: () => service.nodeId ?? "starting" }));
await service.start();
serveCommands({ address: service.address ?? "" }, {}, () => service.stop());
