import { KledClient, MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { createExampleAgent } from "../../examples/src/agent/create-agent.js";
import type { Planner } from "../../examples/src/agent/planner.js";
import { registerAgentServiceHandler } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { registerMcpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { McpToolService } from "../../examples/src/mcp/handler.js";
import { AGENT_SERVICE_NAME, MCP_SERVICE_NAME } from "../../examples/src/shared/service-names.js";

/**
 * Starts the example services on ephemeral loopback ports with one private
 * MemoryRegistry, as the processes of the demo would, but inside the test.
 */
export interface ExampleCluster {
  registry: MemoryRegistry;
  /** A client on the cluster's registry, for the test's own calls. */
  client: KledClient;
  mcp: Service[];
  agent: Service | undefined;
  /** Fails the agent's running tasks, as the agent process does on SIGTERM. */
  stopAgentTasks(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(options: {
  mcpInstances: number;
  agent: boolean;
  /** The agent's planner; default the RulePlanner. */
  planner?: Planner;
}): Promise<ExampleCluster> {
  const registry = new MemoryRegistry();
  const quiet = { registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false } as const;
  const mcp: Service[] = [];
  for (let i = 0; i < options.mcpInstances; i++) {
    const service = new Service({ name: MCP_SERVICE_NAME, ...quiet });
    registerMcpServiceHandler(service.server, new McpToolService({ instanceId: () => service.nodeId ?? "" }));
    await service.start();
    mcp.push(service);
  }
  let agent: Service | undefined;
  let stopAgent = async (): Promise<void> => undefined;
  if (options.agent) {
    const service = new Service({ name: AGENT_SERVICE_NAME, ...quiet });
    const parts = createExampleAgent({
      registry,
      client: service.client,
      logger: silentLogger,
      ...(options.planner === undefined ? {} : { planner: options.planner }),
    });
    registerAgentServiceHandler(service.server, parts.handler);
    await service.start();
    agent = service;
    stopAgent = parts.stop;
  }
  const client = new KledClient({ registry });
  return {
    registry,
    client,
    mcp,
    agent,
    stopAgentTasks: () => stopAgent(),
    async stop() {
      await client.close();
      await stopAgent();
      await Promise.all([...mcp, ...(agent === undefined ? [] : [agent])].map((service) => service.stop()));
      await registry.close();
    },
  };
}
