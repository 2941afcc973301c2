import type { Client, Logger, Registry } from "@kled/runtime";
import { ExampleAgent } from "./handler.js";
import { McpToolbox } from "./mcp-toolbox.js";
import { MemoryTaskStore } from "./memory-task-store.js";
import type { Planner } from "./planner.js";
import { RulePlanner } from "./rule-planner.js";
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
  /** Default: the RulePlanner. */
  planner?: Planner;
  version?: string;
}

/** The example agent wired up, and how to stop its running tasks. */
export interface AgentParts {
  handler: ExampleAgent;
  /** Fails the tasks still running ("the agent stopped"), so their subscribers get a final event. */
  stop(): Promise<void>;
}

/** Wires the example agent: store, live feed, planner, MCP toolbox, runner and handler. */
export function createExampleAgent(deps: AgentDependencies): AgentParts {
  const recorder = new TaskRecorder(deps.store ?? new MemoryTaskStore(), new MemoryTaskEventFeed());
  const runner = new TaskRunner(
    recorder,
    deps.planner ?? new RulePlanner(),
    new McpToolbox(deps.registry, deps.client),
    deps.logger,
  );
  return { handler: new ExampleAgent(recorder, runner, deps.version), stop: () => runner.stop() };
}
