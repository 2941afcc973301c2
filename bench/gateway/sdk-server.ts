/**
 * The gateway suite's baseline: the same `add` tool served by the official
 * SDK's own server over Streamable HTTP, the tool in this process, written
 * as the SDK's documentation shows (createMcpHandler with a server factory,
 * mounted on node:http with toNodeHandler; both protocol revisions).
 * Usage (by suite.ts): sdk-server.ts.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler, type NodeIncomingMessageLike } from "@modelcontextprotocol/node";
import { createMcpHandler, fromJsonSchema, McpServer } from "@modelcontextprotocol/server";
import { serveCommands } from "../support/child-process.js";
import { TOOL_NAME } from "./workload.js";

/** The example service's schemas for `add` (examples/src/mcp/tools/arithmetic.ts), so both sides validate the same. */
const inputSchema = fromJsonSchema<{ a: number; b: number }>({
  type: "object",
  properties: { a: { type: "number", description: "The first addend" }, b: { type: "number", description: "The second addend" } },
  required: ["a", "b"],
});
const outputSchema = fromJsonSchema<{ result: number }>({ type: "object", properties: { result: { type: "number" } }, required: ["result"] });

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: "bench-sdk-tools", version: "0.1.0" });
  server.registerTool(TOOL_NAME, { title: "Add", description: "Adds two numbers: a + b.", inputSchema, outputSchema }, ({ a, b }) => ({
    content: [{ type: "text", text: String(a + b) }],
    structuredContent: { result: a + b },
  }));
  return server;
});
const handle = toNodeHandler(handler);
// Node types `method` and `url` as optional; a request a server receives always has both.
const http = createServer((request, response) => void handle(request as NodeIncomingMessageLike, response));
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const { port } = http.address() as AddressInfo;
serveCommands({ url: `http://127.0.0.1:${port}/mcp` }, {}, async () => {
  await handler.close();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});
