import type { Client } from "../../client/client.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";
import type { AgentCard } from "../../gen/lf/a2a/v1/a2a_pb.js";
import type { AgentEntry } from "./agent-directory.js";
import { getAgentCardCall, GET_AGENT_CARD_PATH } from "./agent-card-service.js";

/**
 * Milliseconds a fetched card is served before it is asked for again: cards
 * change rarely, and a redeployed agent (a new version in the registry) is
 * asked at once anyway; thirty seconds bounds how long an edit made without
 * a new version takes to show.
 */
export const DEFAULT_CARD_TTL_MS = 30_000;

/** Milliseconds GetAgentCard may take: one small unary call; longer means the agent is stuck. */
export const DEFAULT_CARD_TIMEOUT_MS = 5_000;

interface CachedCard {
  readonly versions: string;
  readonly expiresAt: number;
  readonly card: Promise<AgentCard>;
}

/**
 * The public cards of the agents, from kled.agent.v1.AgentService/GetAgentCard
 * on any node of each, kept per agent and set of live versions for
 * {@link DEFAULT_CARD_TTL_MS}. Concurrent requests share one call; a failed
 * call is not kept. The card is the same for every caller (no credentials
 * are forwarded), so one copy serves all.
 */
export class AgentCards {
  readonly #client: Client;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #cards = new Map<string, CachedCard>();

  constructor(client: Client, ttlMs: number, timeoutMs: number) {
    this.#client = client;
    this.#ttlMs = ttlMs;
    this.#timeoutMs = timeoutMs;
  }

  get(agent: AgentEntry): Promise<AgentCard> {
    const cached = this.#cards.get(agent.name);
    if (cached !== undefined && cached.versions === agent.versions && cached.expiresAt > Date.now()) return cached.card;
    const card = this.#fetch(agent.name);
    this.#cards.set(agent.name, { versions: agent.versions, expiresAt: Date.now() + this.#ttlMs, card });
    card.catch(() => {
      if (this.#cards.get(agent.name)?.card === card) this.#cards.delete(agent.name);
    });
    return card;
  }

  /** Drops the cards of agents that are gone. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.#cards.keys()) if (!names.has(name)) this.#cards.delete(name);
  }

  async #fetch(agent: string): Promise<AgentCard> {
    let response;
    try {
      response = await this.#client.unary(getAgentCardCall(agent), {}, { timeoutMs: this.#timeoutMs });
    } catch (error) {
      const detail = error instanceof KledError ? error.message : messageOf(error);
      throw new Error(`cannot get the card of agent "${agent}" from ${GET_AGENT_CARD_PATH}: ${detail}`, { cause: error });
    }
    const card = (response as { card?: AgentCard }).card;
    if (card === undefined) throw new Error(`agent "${agent}" answered ${GET_AGENT_CARD_PATH} without a card`);
    return card;
  }
}
