import type { JsonObject } from "@bufbuild/protobuf";
import type { Client, Registry } from "@kled/runtime";
import type { CallToolResponse } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { createMcpServiceClient, type McpServiceClient } from "../gen/kled/mcp/v1/mcp_kled.js";
import type { AvailableTool, StepResult } from "./planner.js";

/** A service serving this endpoint is taken for an MCP server. */
export const MCP_LIST_TOOLS_ENDPOINT = "/kled.mcp.v1.McpService/ListTools";

/**
 * How many ListTools pages the toolbox reads from one service before giving
 * up: a guard against a server whose cursors never end.
 */
const MAX_TOOL_PAGES = 50;

/**
 * The MCP tools reachable through the registry. `discover()` finds every
 * service whose endpoints include McpService/ListTools and lists its tools;
 * `call()` calls one through the generated client, so the client's selector
 * spreads calls over the service's nodes.
 */
export class McpToolbox {
  readonly #clients = new Map<string, McpServiceClient>();

  constructor(
    private readonly registry: Registry,
    private readonly client: Client,
  ) {}

  /** Every tool of every MCP service, services in name order; the first service offering a name wins. */
  async discover(signal: AbortSignal): Promise<AvailableTool[]> {
    const tools = new Map<string, AvailableTool>();
    for (const service of await this.mcpServices()) {
      let cursor = "";
      for (let page = 0; page < MAX_TOOL_PAGES; page++) {
        const response = await this.#clientOf(service).listTools({ cursor }, { signal });
        for (const tool of response.tools) {
          if (tools.has(tool.name)) continue;
          tools.set(tool.name, {
            name: tool.name,
            description: tool.description ?? "",
            inputSchema: tool.inputSchema ?? {},
            service,
          });
        }
        cursor = response.nextCursor;
        if (cursor === "") break;
      }
    }
    return [...tools.values()];
  }

  /** Calls `tool` on its service; a tool failure comes back as a result with `isError`. */
  async call(tool: AvailableTool, args: JsonObject, signal: AbortSignal): Promise<StepResult> {
    const response = await this.#clientOf(tool.service).callTool({ name: tool.name, arguments: args }, { signal });
    return stepResult(response);
  }

  /** Names of the registered services that serve MCP, sorted. */
  async mcpServices(): Promise<string[]> {
    const names = new Set<string>();
    for (const record of await this.registry.listServices()) {
      // Some registries list services without endpoints; ask for the full record then.
      const records = record.endpoints.length > 0 ? [record] : await this.registry.getService(record.name);
      if (records.some((r) => r.endpoints.some((e) => e.name === MCP_LIST_TOOLS_ENDPOINT))) names.add(record.name);
    }
    return [...names].sort();
  }

  #clientOf(service: string): McpServiceClient {
    let client = this.#clients.get(service);
    if (client === undefined) {
      client = createMcpServiceClient(this.client, { service });
      this.#clients.set(service, client);
    }
    return client;
  }
}

/** The planner's view of a result: structured `result` when present, else the text. */
function stepResult(response: CallToolResponse): StepResult {
  const text = response.content
    .map((block) => (block.content.case === "text" ? block.content.value.text : ""))
    .filter((t) => t !== "")
    .join("\n");
  const structured = response.structuredContent?.["result"];
  return { isError: response.isError, value: structured ?? text, text };
}
