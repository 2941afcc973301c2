import type * as McpServer from "@modelcontextprotocol/server";
import { loadPeer } from "./load-peer.js";

const mcp: typeof McpServer = await loadPeer("@modelcontextprotocol/server", "@kled/runtime/mcp", () => import("@modelcontextprotocol/server"));

export const { createMcpHandler, isLegacyRequest, ProtocolError, ProtocolErrorCode, Server, WebStandardStreamableHTTPServerTransport } = mcp;
export type {
  CallToolResult,
  McpHttpHandler,
  McpRequestContext,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerContext,
  Tool,
} from "@modelcontextprotocol/server";
