import type { Logger } from "../../logging/logger.js";
import type { AgentCaller } from "./agent-caller.js";
import type { GatewayInterfaces } from "./card-interfaces.js";

/** What a binding needs to serve one request for one agent. */
export interface BindingContext {
  readonly caller: AgentCaller;
  /** The registered name of the agent's service. */
  readonly agent: string;
  readonly interfaces: GatewayInterfaces;
  /** Aborted when the HTTP client goes away. */
  readonly signal: AbortSignal;
  readonly maxRequestBodyBytes: number;
  readonly keepAliveMs: number;
  readonly logger: Logger;
}
