/**
 * The gateway suite's gateway: McpGateway on loopback, a free port, over
 * the registry the bench's environment names (the backend registers there),
 * with its defaults (no auth, no rate limit). Usage (by suite.ts): gateway-server.ts.
 */
import { registryFromEnv } from "@kled/runtime";
import { McpGateway } from "@kled/runtime/mcp";
import { serveCommands } from "../support/child-process.js";

const registry = registryFromEnv(process.env);
const gateway = new McpGateway({ registry });
await gateway.start();
serveCommands({ url: gateway.url }, {}, async () => {
  await gateway.stop();
  await registry.close();
});
