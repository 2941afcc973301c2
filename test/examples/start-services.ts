import { generateKeyPairSync } from "node:crypto";
import { KledClient, MemoryBroker, MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { bearerToken } from "@kled/runtime/auth";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import { agentAuth } from "../../examples/src/agent/agent-auth.js";
import { createExampleAgent } from "../../examples/src/agent/create-agent.js";
import { openAgentPersistence, type AgentPersistence } from "../../examples/src/agent/persistence.js";
import type { Planner } from "../../examples/src/agent/planner.js";
import { registerMcpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { McpToolService } from "../../examples/src/mcp/handler.js";
import { mcpAuth } from "../../examples/src/mcp/mcp-auth.js";
import { DEMO_ISSUER, MCP_AUDIENCE } from "../../examples/src/shared/auth-env.js";
import { AGENT_SERVICE_NAME, MCP_SERVICE_NAME } from "../../examples/src/shared/service-names.js";

/**
 * Starts the example services on ephemeral loopback ports with one private
 * MemoryRegistry, as the processes of the demo would, but inside the test:
 * MCP behind JWT auth and the mcp-tools policy, the agent on its MikroORM
 * store (embedded SQLite in memory) with its outbox relayed to a
 * MemoryBroker, calling MCP with its service token.
 */
export interface ExampleCluster {
  registry: MemoryRegistry;
  /** A client on the cluster's registry, for the test's own calls; it sends a token with the tool-user role. */
  client: KledClient;
  /** Where the agent's outbox relay publishes TaskEventTopic. */
  broker: MemoryBroker;
  mcp: Service[];
  agent: Service | undefined;
  /** Signs tokens the MCP services accept. */
  token(subject: string, roles?: string[]): Promise<string>;
  /** Fails the agent's running tasks, as the agent process does on SIGTERM. */
  stopAgentTasks(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(options: {
  mcpInstances: number;
  agent: boolean;
  /** The agent's planner; default the RulePlanner. */
  planner?: Planner;
  /** The agent requires a JWT and the agent policy, as the agent process does with a verification key; default off. */
  agentAuth?: boolean;
}): Promise<ExampleCluster> {
  const registry = new MemoryRegistry();
  const broker = new MemoryBroker({ logger: silentLogger });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const token = (subject: string, roles?: string[]) =>
    issueToken(
      { subject, issuer: DEMO_ISSUER, audience: MCP_AUDIENCE, domain: "test", ...(roles === undefined ? {} : { roles }) },
      { key: privateKey, alg: "EdDSA" },
    );
  const authenticator = jwtAuthenticator({ key: publicKey, issuer: DEMO_ISSUER, audience: MCP_AUDIENCE });
  const quiet = { registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false } as const;
  const mcp: Service[] = [];
  for (let i = 0; i < options.mcpInstances; i++) {
    const service = new Service({ name: MCP_SERVICE_NAME, ...quiet, middleware: [await mcpAuth(authenticator, silentLogger)] });
    registerMcpServiceHandler(service.server, new McpToolService({ instanceId: () => service.nodeId ?? "" }));
    await service.start();
    mcp.push(service);
  }
  let agent: Service | undefined;
  let persistence: AgentPersistence | undefined;
  let stopAgent = async (): Promise<void> => undefined;
  if (options.agent) {
    persistence = await openAgentPersistence({ broker, logger: silentLogger, url: "sqlite::memory:" });
    const service = new Service({
      name: AGENT_SERVICE_NAME,
      ...quiet,
      middleware: [...(options.agentAuth === true ? [await agentAuth(authenticator, silentLogger)] : []), persistence.middleware],
      clientMiddleware: [bearerToken(await token("kled.agent"))],
    });
    const parts = createExampleAgent({
      registry,
      client: service.client,
      logger: silentLogger,
      store: persistence.store,
      pushConfigs: persistence.pushConfigs,
      address: () => service.address,
      bearerAuth: options.agentAuth === true,
      ...(options.planner === undefined ? {} : { planner: options.planner }),
    });
    parts.register(service.server);
    await service.start();
    agent = service;
    stopAgent = parts.stop;
  }
  const client = new KledClient({ registry, middleware: [bearerToken(await token("kled.test", ["tool-user"]))] });
  return {
    registry,
    client,
    broker,
    mcp,
    agent,
    token,
    stopAgentTasks: () => stopAgent(),
    async stop() {
      await client.close();
      await stopAgent();
      await Promise.all([...mcp, ...(agent === undefined ? [] : [agent])].map((service) => service.stop()));
      await persistence?.close();
      await broker.close();
      await registry.close();
    },
  };
}
