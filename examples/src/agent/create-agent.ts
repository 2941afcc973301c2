import type { Client, Logger, Registry, Server } from "@kled/runtime";
import { registerAgentServiceHandler } from "../gen/kled/agent/v1/agent_kled.js";
import { registerA2AServiceHandler } from "../gen/lf/a2a/v1/a2a_kled.js";
import { A2AAgent } from "./a2a-agent.js";
import { KledAgentService } from "./kled-agent-service.js";
import { McpToolbox } from "./mcp-toolbox.js";
import { MemoryPushConfigStore } from "./memory-push-config-store.js";
import { MemoryTaskStore } from "./memory-task-store.js";
import type { Planner } from "./planner.js";
import type { PushConfigLookup, PushConfigStore } from "./push-config-store.js";
import { PushConfigs } from "./push-configs.js";
import { RulePlanner } from "./rule-planner.js";
import { TaskDesk } from "./task-desk.js";
import { MemoryTaskEventFeed } from "./task-event-feed.js";
import { TaskRecorder } from "./task-recorder.js";
import { TaskRunner } from "./task-runner.js";
import type { TaskStore } from "./task-store.js";

/** What an agent needs from the service it runs in. */
export interface AgentDependencies {
  /** Where to discover MCP services. */
  registry: Registry;
  /** How to call them. */
  client: Client;
  logger: Logger;
  /** Default: a MemoryTaskStore (tasks are lost on restart). */
  store?: TaskStore;
  /** Default: a MemoryPushConfigStore; pass the one beside a database task store. */
  pushConfigs?: PushConfigStore;
  /** Default: the RulePlanner. */
  planner?: Planner;
  version?: string;
  /** Where the agent serves gRPC (`host:port`), for its card; e.g. `() => service.address`. */
  address?: () => string | undefined;
  /** True when the service authenticates callers with JWT bearer tokens: the card declares it. */
  bearerAuth?: boolean;
}

/** The example agent wired up. */
export interface AgentParts {
  /** lf.a2a.v1.A2AService. */
  a2a: A2AAgent;
  /** kled.agent.v1.AgentService: the public card and numbered task events. */
  events: KledAgentService;
  /** Every task's push configs, for a delivery worker. */
  pushConfigs: PushConfigLookup;
  /** Registers both services on `server`. */
  register(server: Server): void;
  /** Fails the tasks still running ("the agent stopped"), so their subscribers get a final event. */
  stop(): Promise<void>;
}

/** Wires the example agent: stores, live feed, planner, MCP toolbox, runner and both services. */
export function createExampleAgent(deps: AgentDependencies): AgentParts {
  const store = deps.store ?? new MemoryTaskStore();
  const recorder = new TaskRecorder(store, new MemoryTaskEventFeed());
  const runner = new TaskRunner(recorder, deps.planner ?? new RulePlanner(), new McpToolbox(deps.registry, deps.client), deps.logger);
  const pushConfigs = new PushConfigs(store, deps.pushConfigs ?? new MemoryPushConfigStore());
  const a2a = new A2AAgent(recorder, runner, new TaskDesk(recorder, runner, pushConfigs), pushConfigs);
  const events = new KledAgentService(recorder, () => ({
    version: deps.version ?? "0.1.0",
    address: deps.address?.(),
    bearerAuth: deps.bearerAuth ?? false,
  }));
  return {
    a2a,
    events,
    pushConfigs: pushConfigs.store,
    register(server) {
      registerA2AServiceHandler(server, a2a);
      registerAgentServiceHandler(server, events);
    },
    stop: () => runner.stop(),
  };
}
