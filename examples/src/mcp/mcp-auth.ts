import { fileURLToPath } from "node:url";
import { type Logger, type ServerMiddleware } from "@kled/runtime";
import { auth, type Authenticator } from "@kled/runtime/auth";
import { CasbinAuthorizer } from "@kled/runtime/casbin";

/** The mcp-tools policy: role tool-user may call kled.mcp.v1.McpService/*. */
export const MCP_TOOLS_POLICY = fileURLToPath(new URL("../../policy/mcp-tools.csv", import.meta.url));

/**
 * The MCP service's auth: every McpService call needs a verified token
 * (`authenticator`) whose subject, or one of whose roles, the policy
 * allows. Health and reflection stay open (they bypass middleware).
 */
export async function mcpAuth(authenticator: Authenticator, logger: Logger, policy = MCP_TOOLS_POLICY): Promise<ServerMiddleware> {
  const authorizer = await CasbinAuthorizer.fromFiles({ policy, logger });
  return auth({ authenticators: [authenticator], authorizer });
}
