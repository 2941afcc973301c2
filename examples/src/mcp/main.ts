/**
 * The example MCP tool service as a process:
 *
 *   node --conditions=kled:source --import tsx examples/src/mcp/main.ts [--address 127.0.0.1:50051]
 *
 * Registers as "kled.mcp.tools" in the registry KLED_REGISTRY names (mDNS
 * by default) and serves until SIGINT or SIGTERM, then stops gracefully.
 * Callers need a token the service can verify (see shared/auth-env.ts for
 * the variables) and the tool-user role of the mcp-tools policy. With
 * OTEL_EXPORTER_OTLP_ENDPOINT (or another OTEL_* exporter setting) it
 * exports a span per call served.
 */
import { consoleLogger, Service } from "@kled/runtime";
import { otel } from "@kled/runtime/otel";
import { registerMcpServiceHandler } from "../gen/kled/mcp/v1/mcp_kled.js";
import { authenticatorFromEnv } from "../shared/auth-env.js";
import { processOptions } from "../shared/process-options.js";
import { telemetryRequested } from "../shared/telemetry-env.js";
import { MCP_SERVICE_NAME } from "../shared/service-names.js";
import { McpToolService } from "./handler.js";
import { mcpAuth } from "./mcp-auth.js";

const options = processOptions("mcp", process.argv.slice(2));
const logger = consoleLogger().child({ service: MCP_SERVICE_NAME });
const authenticator = (() => {
  try {
    return authenticatorFromEnv();
  } catch (error) {
    process.stderr.write(`mcp: ${(error as Error).message}\n`);
    process.exit(2);
  }
})();
const service = new Service({
  name: MCP_SERVICE_NAME,
  version: "0.1.0",
  middleware: [await mcpAuth(authenticator, logger)],
  plugins: [otel({ sdk: telemetryRequested() })],
  ...options,
});
registerMcpServiceHandler(
  service.server,
  // The node id is known once the service has started, before any call arrives.
  new McpToolService({ instanceId: () => service.nodeId ?? "starting", version: service.version }),
);
await service.run();
