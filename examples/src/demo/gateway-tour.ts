import type { Client, Registry } from "@kled/runtime";
import { A2aGateway } from "@kled/runtime/a2a";
import { McpGateway } from "@kled/runtime/mcp";
import { Client as McpClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { InventoryServiceDefinition } from "../gen/kled/inventory/v1/inventory_kled.js";
import { AGENT_SERVICE_NAME, INVENTORY_SERVICE_NAME, MCP_SERVICE_NAME } from "../shared/service-names.js";
import { a2aTour } from "./a2a-tour.js";
import { paint, say } from "./output.js";

/** The countdown the streamed call runs: 3 2 1 0, so four progress notifications after the first. */
const COUNTDOWN_FROM = 3;
/** Pause between the countdown's numbers, in milliseconds: short, so the demo stays fast, yet each progress arrives on its own. */
const COUNTDOWN_INTERVAL_MS = 50;

/** What the tour needs of the demo. */
export interface GatewayTourOptions {
  /** Where the gateway finds the MCP services and the inventory (the demo's registry). */
  registry: Registry;
  /** The gateway's client to the backends; it carries the gateway's own token, which the MCP services verify. */
  client: Client;
  /** How many MCP instances the registry holds, for the line that lists their tools. */
  mcpInstances: number;
  signal: AbortSignal;
}

/**
 * Starts the gateway as `kled gateway` does, on 127.0.0.1 (a free port)
 * over the demo's registry: MCP at /mcp and the A2A bindings at /a2a/….
 * Drives MCP as an MCP host would, with the official client
 * (`@modelcontextprotocol/client`, revision negotiated "auto"): lists the
 * tools of the MCP instances and of the inventory's proto methods, calls one
 * of each, and a streamed tool with progress; then the agent as an A2A
 * client would (a2a-tour.ts). Throws on any step that fails, with what it got.
 */
export async function gatewayTour({ registry, client, mcpInstances, signal }: GatewayTourOptions): Promise<void> {
  // No `auth` on the gateway: it listens on loopback for this process only.
  // The gateway's client signs every backend call with its own token, so the
  // MCP services still authenticate and authorize each tool call.
  const a2a = new A2aGateway({ registry, client });
  await a2a.start();
  const gateway = new McpGateway({ registry, client, httpHandlers: [(request, response) => a2a.handle(request, response)] });
  await gateway.start();
  const mcp = new McpClient({ name: "kled-demo", version: "0.1.0" }, { versionNegotiation: { mode: "auto" } });
  try {
    await mcp.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
    say(`MCP gateway at ${gateway.url}; the official client speaks MCP ${mcp.getNegotiatedProtocolVersion() ?? "?"} to it`);

    const { tools } = await mcp.listTools(undefined, { signal });
    const protoToolNames = new Set(Object.values(InventoryServiceDefinition.methods).flatMap((method) => (method.tool === undefined ? [] : [method.tool.name])));
    const protoTools = tools.filter((tool) => protoToolNames.has(tool.name)).map((tool) => tool.name);
    const mcpTools = tools.filter((tool) => !protoToolNames.has(tool.name)).map((tool) => tool.name);
    say(`gateway tools of ${MCP_SERVICE_NAME} (${mcpInstances} instances): ${paint("dim", mcpTools.join(", "))}`);
    say(`gateway tools of ${INVENTORY_SERVICE_NAME} (proto methods marked as tools): ${paint("dim", protoTools.join(", "))}`);
    if (mcpTools.length === 0 || protoTools.length !== protoToolNames.size) {
      throw new Error(
        `the gateway lists ${mcpTools.length} MCP tools and proto tools [${protoTools.join(", ")}]; expected the MCP service's tools and [${[...protoToolNames].join(", ")}]`,
      );
    }

    const sum = await call(mcp, "add", { a: 2, b: 3 }, signal);
    // The gateway's Kled client calls over NATS when KLED_TRANSPORT names it, as the services serve.
    const hop = process.env["KLED_TRANSPORT"]?.startsWith("nats") === true ? "NATS" : "gRPC";
    say(`gateway tools/call add {a: 2, b: 3} → ${sum} ${paint("dim", `(MCP tool, over ${hop} to ${MCP_SERVICE_NAME})`)}`);
    const item = await call(mcp, "get_item", { sku: "HAM-001" }, signal);
    say(`gateway tools/call get_item {sku: "HAM-001"} → ${item} ${paint("dim", `(proto tool: InventoryService.GetItem on ${INVENTORY_SERVICE_NAME})`)}`);

    const progress: string[] = [];
    const counted = await call(mcp, "countdown", { from: COUNTDOWN_FROM, interval_ms: COUNTDOWN_INTERVAL_MS }, signal, (update) =>
      progress.push(`${update.progress}/${update.total ?? "?"}${update.message === undefined ? "" : ` "${update.message}"`}`),
    );
    say(`gateway tools/call countdown {from: ${COUNTDOWN_FROM}} streamed progress ${progress.join(", ")} → ${counted}`);
    if (progress.length < COUNTDOWN_FROM + 1) {
      throw new Error(`the streamed countdown reported ${progress.length} progress notifications; expected at least ${COUNTDOWN_FROM + 1}`);
    }

    await a2aTour(a2a.agentUrl(new URL(gateway.url).origin, AGENT_SERVICE_NAME), signal);
  } finally {
    await mcp.close();
    await gateway.stop();
    await a2a.stop();
  }
}

/** One progress notification, as the client hands it over. */
interface Progress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** Calls a tool through the gateway; answers its structured result as JSON, or throws with the tool's error text. */
async function call(
  mcp: McpClient,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
  onprogress?: (progress: Progress) => void,
): Promise<string> {
  const result = await mcp.callTool({ name, arguments: args }, { signal, ...(onprogress === undefined ? {} : { onprogress }) });
  const text = (result.content as Array<{ type: string; text?: string }> | undefined)?.map((part) => part.text ?? "").join(" ") ?? "";
  if (result.isError === true) throw new Error(`the gateway's tools/call ${name} failed: ${text}`);
  return result.structuredContent === undefined ? text : JSON.stringify(result.structuredContent);
}
