/**
 * `@kled/runtime/mcp`: the MCP gateway, every kled.mcp.v1.McpService of the
 * registry and every proto method the registry marks as a tool, behind one
 * Streamable HTTP endpoint, on the official MCP SDK
 * (`@modelcontextprotocol/server`, an optional peer).
 */
export {
  DEFAULT_GATEWAY_HOST,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_REQUEST_BODY_BYTES,
  DEFAULT_MCP_PATH,
  DEFAULT_REQUEST_TIMEOUT_MS,
  McpGateway,
  type HttpHandler,
  type McpGatewayOptions,
} from "../mcp-gateway/gateway.js";
export { DEFAULT_LIST_TIMEOUT_MS } from "../mcp-gateway/catalog.js";
export { DEFAULT_CACHE_HINT } from "../mcp-gateway/cache-hint.js";
export { DEFAULT_PAGE_SIZE } from "../mcp-gateway/list-cursor.js";
export { DEFAULT_MIN_RELIST_INTERVAL_MS } from "../mcp-gateway/list-expiry.js";
export { DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_IDLE_MS } from "../mcp-gateway/legacy-sessions.js";
export { DEFAULT_NAMESPACE_SEPARATOR, type Namespacing } from "../mcp-gateway/namespacing.js";
export { LOOPBACK_ORIGIN_HOSTS } from "../mcp-gateway/origin.js";
export type { McpGatewayAuthOptions } from "../mcp-gateway/auth/gateway-auth-options.js";
export { PROTECTED_RESOURCE_PATH } from "../mcp-gateway/auth/protected-resource.js";
export type { McpGatewayRateLimit } from "../mcp-gateway/rate-limit.js";
