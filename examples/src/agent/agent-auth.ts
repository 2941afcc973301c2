import type { ServerMiddleware } from "@kled/runtime";
import { auth, type Authenticator } from "@kled/runtime/auth";

/**
 * The public card stays open: a gateway or client reads it to learn how to
 * authenticate. Everything else (every A2A method, the event log) needs a token.
 */
export const AGENT_PUBLIC_METHODS: readonly string[] = ["kled.agent.v1.AgentService/GetAgentCard"];

/**
 * The agent's auth when it is configured: a verified JWT bearer token on
 * every call but the public card, the same tokens the other Kled services
 * accept (shared/auth-env.ts). The card then declares the bearer scheme.
 */
export function agentAuth(authenticator: Authenticator): ServerMiddleware {
  return auth({ authenticators: [authenticator], publicMethods: AGENT_PUBLIC_METHODS });
}
