import type * as McpNode from "@modelcontextprotocol/node";
import { loadPeer } from "./load-peer.js";

const mcpNode: typeof McpNode = await loadPeer("@modelcontextprotocol/node", "@kled/runtime/mcp", () => import("@modelcontextprotocol/node"));

export const { toNodeHandler } = mcpNode;
export type { NodeIncomingMessageLike, NodeMcpRequestHandler } from "@modelcontextprotocol/node";
