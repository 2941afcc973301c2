import type { Logger } from "../../logging/logger.js";
import type { Registry, ServiceRecord } from "../../registry/registry.js";
import { RegistryFollower } from "../../registry/registry-follower.js";
import { A2A_SERVICE_TYPE } from "./a2a-service.js";

/** An agent as the registry shows it now. */
export interface AgentEntry {
  /** The registered service name. */
  readonly name: string;
  /** Its live versions, sorted and joined: changes when the agent is redeployed, and so keys its card. */
  readonly versions: string;
}

/**
 * The A2A agents of the registry, live: every registered service with live
 * nodes whose endpoints include lf.a2a.v1.A2AService methods. A registry
 * watch event triggers a re-read; re-reads never overlap, and events during
 * one cause exactly one more. A failed read keeps what was known.
 */
export class AgentDirectory {
  readonly #registry: Registry;
  readonly #follower: RegistryFollower;
  readonly #listeners = new Set<() => void>();
  #agents: ReadonlyMap<string, AgentEntry> = new Map();

  constructor(registry: Registry, logger: Logger) {
    this.#registry = registry;
    this.#follower = new RegistryFollower({
      registry,
      logger,
      name: "a2a gateway",
      keeps: "the agents it listed before",
      read: () => this.#reread(),
    });
  }

  /** The agents by name, sorted by name. */
  get agents(): ReadonlyMap<string, AgentEntry> {
    return this.#agents;
  }

  /** Reads the registry once, then follows it. */
  start(): Promise<void> {
    return this.#follower.start();
  }

  stop(): void {
    this.#follower.stop();
  }

  /** Called after each re-read that changed the set of agents or their versions. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once a read that started after this call has finished. */
  refresh(): Promise<void> {
    return this.#follower.refresh();
  }

  async #reread(): Promise<void> {
    const next = await this.#read();
    if (this.#follower.stopped) return;
    const changed = !sameAgents(this.#agents, next);
    this.#agents = next;
    if (changed) for (const listener of this.#listeners) listener();
  }

  async #read(): Promise<Map<string, AgentEntry>> {
    const records = await this.#registry.listServices();
    const names = [...new Set(records.filter(servesA2a).map((record) => record.name))].sort();
    const agents = new Map<string, AgentEntry>();
    for (const name of names) {
      const live = (await this.#registry.getService(name)).filter((record) => servesA2a(record) && record.nodes.length > 0);
      if (live.length > 0) agents.set(name, { name, versions: [...new Set(live.map((record) => record.version))].sort().join(",") });
    }
    return agents;
  }
}

function servesA2a(record: ServiceRecord): boolean {
  const prefix = `/${A2A_SERVICE_TYPE}/`;
  return record.endpoints.some((endpoint) => endpoint.name.startsWith(prefix));
}

function sameAgents(a: ReadonlyMap<string, AgentEntry>, b: ReadonlyMap<string, AgentEntry>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, entry] of a) if (b.get(name)?.versions !== entry.versions) return false;
  return true;
}
