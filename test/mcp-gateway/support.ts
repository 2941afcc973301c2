import { MemoryRegistry, Service, silentLogger, type Registry } from "@kled/runtime";
import { McpGateway, type McpGatewayOptions } from "@kled/runtime/mcp";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { registerMcpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { McpToolService } from "../../examples/src/mcp/handler.js";

/** The example MCP service (no auth: the gateway is what is under test), started under `name` on `registry`. */
export async function startMcpBackend(registry: Registry, name: string): Promise<Service> {
  const service = new Service({ name, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  registerMcpServiceHandler(service.server, new McpToolService({ instanceId: () => service.nodeId ?? "" }));
  await service.start();
  return service;
}

export async function startGateway(registry: MemoryRegistry, options: Partial<McpGatewayOptions> = {}): Promise<McpGateway> {
  const gateway = new McpGateway({ registry, ...options });
  await gateway.start();
  return gateway;
}

/** The two official client lines: 2.x speaks 2026-07-28, the 1.x SDK 2025-11-25. */
export type ClientLine = "client-2.x" | "sdk-1.x";
export const CLIENT_LINES: readonly ClientLine[] = ["client-2.x", "sdk-1.x"];

/** What the tests use of either client; both SDKs have these methods with these shapes. */
export interface McpTestClient {
  listTools(): Promise<{ tools: Array<{ name: string; description?: string; inputSchema: unknown; outputSchema?: unknown }> }>;
  callTool(
    params: { name: string; arguments?: Record<string, unknown> },
    resultSchema?: undefined,
    options?: { onprogress?: (progress: { progress: number; total?: number; message?: string }) => void; signal?: AbortSignal; timeout?: number },
  ): Promise<Record<string, unknown>>;
  listResources(): Promise<{ resources: Array<{ uri: string; name: string }> }>;
  listResourceTemplates(): Promise<{ resourceTemplates: Array<{ uriTemplate: string; name: string }> }>;
  readResource(params: { uri: string }): Promise<{ contents: Array<Record<string, unknown>> }>;
  listPrompts(): Promise<{ prompts: Array<{ name: string; arguments?: unknown[] }> }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{ messages: Array<{ role: string; content: Record<string, unknown> }> }>;
  complete(params: Record<string, unknown>): Promise<{ completion: { values: string[] } }>;
  setNotificationHandler(...args: unknown[]): void;
  close(): Promise<void>;
}

/** A connected client, with the revision it speaks and its 2025-11-25 session id (none on 2026-07-28). */
export interface Connected {
  client: McpTestClient;
  protocolVersion: string | undefined;
  sessionId: string | undefined;
}

/** Options of one call, the same on both lines (the 1.x SDK takes them as callTool's third argument, 2.x as its second). */
export interface CallOptions {
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  signal?: AbortSignal;
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Called with the new tool names when the server says the tool list changed (the client re-lists). */
  onToolsChanged?: (names: string[]) => void;
}

export async function connect(line: ClientLine, url: string, options: ConnectOptions = {}): Promise<McpTestClient> {
  return (await connectWithFacts(line, url, options)).client;
}

export async function connectWithFacts(line: ClientLine, url: string, options: ConnectOptions = {}): Promise<Connected> {
  const requestInit = { headers: options.headers ?? {} };
  const onToolsChanged = options.onToolsChanged;
  const listChanged =
    onToolsChanged === undefined
      ? {}
      : {
          listChanged: {
            tools: { debounceMs: 0, onChanged: (_error: unknown, tools: Array<{ name: string }> | null) => onToolsChanged((tools ?? []).map((tool) => tool.name)) },
          },
        };
  if (line === "client-2.x") {
    // "auto": probe with server/discover and speak 2026-07-28 where the server does (the 2.x default stays on 2025-11-25).
    const client = new ModernClient({ name: "kled-test", version: "1.0.0" }, { versionNegotiation: { mode: "auto" }, ...listChanged });
    const transport = new ModernTransport(new URL(url), { requestInit });
    await client.connect(transport);
    const uniform = Object.assign(Object.create(client) as object, {
      callTool: (params: never, _schema?: undefined, callOptions?: CallOptions) => client.callTool(params, callOptions as never),
    });
    return { client: uniform as unknown as McpTestClient, protocolVersion: client.getNegotiatedProtocolVersion(), sessionId: transport.sessionId };
  }
  const client = new LegacyClient({ name: "kled-test", version: "1.0.0" }, listChanged);
  const transport = new LegacyTransport(new URL(url), { requestInit });
  await client.connect(transport);
  return { client: client as unknown as McpTestClient, protocolVersion: transport.protocolVersion, sessionId: transport.sessionId };
}
