import { fileURLToPath } from "node:url";
import type { Logger, ServerMiddleware } from "@kled/runtime";
import { auth, type Authenticator } from "@kled/runtime/auth";
import { CasbinAuthorizer } from "@kled/runtime/casbin";

/** The agent policy: role agent-user may call every A2A method and SubscribeTaskEvents. */
export const AGENT_POLICY = fileURLToPath(new URL("../../policy/agent.csv", import.meta.url));

/**
 * The public card stays open: a gateway or client reads it to learn how to
 * authenticate. Everything else (every A2A method, the event log) needs a token.
 */
export const AGENT_PUBLIC_METHODS: readonly string[] = ["kled.agent.v1.AgentService/GetAgentCard"];

/**
 * The agent's auth when it is configured, as every Kled service's: a
 * verified JWT bearer token (the same tokens the other example services
 * accept, shared/auth-env.ts) whose subject or role the Casbin policy
 * allows, on every call but the public card. The card then declares the
 * bearer scheme.
 */
export async function agentAuth(authenticator: Authenticator, logger: Logger, policy = AGENT_POLICY): Promise<ServerMiddleware> {
  const authorizer = await CasbinAuthorizer.fromFiles({ policy, logger });
  return auth({ authenticators: [authenticator], authorizer, publicMethods: AGENT_PUBLIC_METHODS });
}
