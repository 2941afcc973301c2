import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError, Service, silentLogger, type Registry } from "@kled/runtime";
import type { CallToolRequest, ToolSchema } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { registerMcpServiceHandler, type McpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";

/**
 * An MCP backend whose tools mark parameters with SEP-2243's x-mcp-header,
 * so that 2026-07-28 clients mirror them into Mcp-Param-* headers: one of
 * each permitted type, one nested, and a tool whose annotation breaks the
 * rules (under `items`), which conforming clients drop and the gateway
 * expects no header for. Every tool answers with the arguments it got.
 */

export const ROUTED_TOOL = "route_query";
export const INVALID_TOOL = "misplaced_header";

export const ROUTED_SCHEMA: JsonObject = {
  type: "object",
  properties: {
    region: { type: "string", "x-mcp-header": "Region" },
    shard: { type: "integer", "x-mcp-header": "Shard" },
    dryRun: { type: "boolean", "x-mcp-header": "DryRun" },
    target: { type: "object", properties: { zone: { type: "string", "x-mcp-header": "Zone" } } },
    query: { type: "string" },
  },
};

const INVALID_SCHEMA: JsonObject = {
  type: "object",
  properties: { regions: { type: "array", items: { type: "string", "x-mcp-header": "Region" } } },
};

class ParamHeaderBackend implements McpServiceHandler {
  initialize() {
    return { protocolVersion: "2025-11-25", serverInfo: { name: "param-header-backend", version: "1.0.0" } };
  }

  ping() {
    return {};
  }

  listTools() {
    const tools: MessageInitShape<typeof ToolSchema>[] = [
      { name: ROUTED_TOOL, description: "Runs a query in a region (routed on its headers)", inputSchema: ROUTED_SCHEMA },
      { name: INVALID_TOOL, description: "Carries an x-mcp-header where SEP-2243 forbids it", inputSchema: INVALID_SCHEMA },
    ];
    return { tools, nextCursor: "" };
  }

  callTool(request: CallToolRequest) {
    if (request.name !== ROUTED_TOOL && request.name !== INVALID_TOOL) throw new KledError(Code.NotFound, `no tool ${JSON.stringify(request.name)}`);
    return { content: [{ content: { case: "text" as const, value: { text: JSON.stringify(request.arguments ?? {}) } } }] };
  }

  // eslint-disable-next-line require-yield
  async *callToolStream(): AsyncGenerator<never> {
    throw new KledError(Code.Unimplemented, "param header backend: no streamed tools");
  }

  listResources() {
    return { resources: [], nextCursor: "" };
  }

  listResourceTemplates() {
    return { resourceTemplates: [], nextCursor: "" };
  }

  readResource(): never {
    throw new KledError(Code.NotFound, "param header backend: no resources");
  }

  listPrompts() {
    return { prompts: [], nextCursor: "" };
  }

  getPrompt(): never {
    throw new KledError(Code.NotFound, "param header backend: no prompts");
  }

  complete() {
    return { completion: { values: [] } };
  }
}

export async function startParamHeaderBackend(registry: Registry, name: string): Promise<Service> {
  const service = new Service({ name, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  registerMcpServiceHandler(service.server, new ParamHeaderBackend());
  await service.start();
  return service;
}
