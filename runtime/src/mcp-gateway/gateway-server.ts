import type { JsonObject } from "@bufbuild/protobuf";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { ProtocolError, ProtocolErrorCode, Server, type CallToolResult, type McpRequestContext, type ServerContext } from "../peers/mcp-server.js";
import { cacheHintOf, type CacheHint } from "./cache-hint.js";
import type { Catalog } from "./catalog.js";
import type { McpToolEntry, ResourceEntry } from "./catalog-snapshot.js";
import { DEFAULT_PAGE_SIZE, listVersion, pageOf } from "./list-cursor.js";
import { callProtoTool } from "./proto-tool-call.js";
import { callToolResultJson, completeResultJson, getPromptResultJson, readResourceResultJson } from "./mcp-json.js";
import { matchesTemplate } from "./uri-template.js";

/** What the gateway says about itself in `initialize` and `server/discover`. */
export const GATEWAY_SERVER_INFO = { name: "kled-mcp-gateway", version: "0.1.0" } as const;

/** Per caller: which tools and prompts it may see and use. */
export interface CallerView {
  /** Resolves to whether the caller may list and call the tool with this exposed name. */
  mayUseTool(name: string): Promise<boolean>;
  /**
   * Metadata forwarded to the backends with every call (the caller's token);
   * read at each call, so that a 2025-11-25 session follows its caller's
   * refreshed token.
   */
  metadata?: Record<string, string>;
  /**
   * True when what the caller may list depends on who it is (per-tool
   * authorization): its tools/list is then "private" whatever the backends
   * say, so no shared cache hands one caller's list to another.
   */
  readonly personal?: boolean;
}

/**
 * The MCP revision line a server instance answers, as the SDK names it:
 * "modern" is 2026-07-28 (one instance per request), "legacy" 2025-11-25.
 */
export type GatewayEra = McpRequestContext["era"];

/** How the server instances of one gateway answer, beyond the caller's view. */
export interface GatewayServerOptions {
  /** The revision line of the instance; default "modern". */
  era?: GatewayEra;
  /** Items per page of the four lists; default {@link DEFAULT_PAGE_SIZE}. */
  pageSize?: number;
}

/** Everything may be used; nothing is forwarded. */
export const OPEN_VIEW: CallerView = { mayUseTool: async () => true };

/**
 * One MCP server instance over the catalog as it is when each request
 * arrives. The SDK creates one per HTTP request (2026-07-28, stateless
 * 2025-11-25) or per session (sessionful 2025-11-25); all of them read the
 * same catalog, so building one costs only the handler table.
 *
 * On "modern" the cacheable results carry the backends' `ttlMs` and
 * `cacheScope` (the SDK keeps valid values a handler returns and fills 0 /
 * "private" otherwise). On "legacy" they carry none: the SDK's 2025-11-25
 * encoder would send a handler's fields as they are, and 2025-11-25 results
 * have no such fields, so they stay exactly as they were.
 *
 * The lists are paginated the same way on both (see {@link pageOf}); a
 * page carries its whole list's cache hint.
 */
export function createGatewayServer(catalog: Catalog, view: CallerView = OPEN_VIEW, options: GatewayServerOptions = {}): InstanceType<typeof Server> {
  const { era = "modern", pageSize = DEFAULT_PAGE_SIZE } = options;
  const cacheable = (hint: CacheHint): Partial<CacheHint> => (era === "modern" ? { ttlMs: hint.ttlMs, cacheScope: hint.cacheScope } : {});
  const server = new Server(GATEWAY_SERVER_INFO, {
    capabilities: {
      tools: { listChanged: true },
      resources: { listChanged: true },
      prompts: { listChanged: true },
      completions: {},
    },
  });

  server.setRequestHandler("tools/list", async (request) => {
    const snapshot = catalog.snapshot;
    const tools = [...snapshot.tools.values()];
    const allowed = await Promise.all(tools.map((entry) => view.mayUseTool(entry.tool["name"] as string)));
    const visible = tools.filter((_, index) => allowed[index]).map((entry) => entry.tool);
    // Pages are cut from what this caller sees; its cursors go stale when that changes, as when the catalog does.
    const version = visible.length === tools.length ? snapshot.versions.tools : listVersion([snapshot.versions.tools, ...visible.map((tool) => tool["name"] as string)]);
    const page = pageOf("tools", visible, version, request.params?.cursor, pageSize);
    const hint = view.personal === true ? { ...snapshot.hints.tools, cacheScope: "private" as const } : snapshot.hints.tools;
    return { tools: page.items as never, ...nextCursorOf(page), ...cacheable(hint) };
  });

  server.setRequestHandler("tools/call", async (request, ctx) => {
    const { name } = request.params;
    const entry = catalog.snapshot.tools.get(name);
    if (entry === undefined || !(await view.mayUseTool(name))) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${JSON.stringify(name)}; tools/list names the tools this gateway offers`);
    }
    const args = (request.params.arguments ?? {}) as JsonObject;
    const progressToken = request.params._meta?.progressToken ?? ctx.mcpReq._meta?.progressToken;
    const metadata = view.metadata ?? {};
    const result =
      entry.kind === "proto"
        ? await callProtoTool(catalog.client, catalog.descriptors, entry.proto, name, args, { signal: ctx.mcpReq.signal, metadata })
        : await callTool(entry, args, progressToken, ctx, metadata);
    return server.projectCallToolResult(result, entry.outputSchema);
  });

  server.setRequestHandler("resources/list", async (request) => {
    const snapshot = catalog.snapshot;
    const resources = [...snapshot.resources.values()].map((entry) => entry.json);
    const page = pageOf("resources", resources, snapshot.versions.resources, request.params?.cursor, pageSize);
    return { resources: page.items as never, ...nextCursorOf(page), ...cacheable(snapshot.hints.resources) };
  });

  server.setRequestHandler("resources/templates/list", async (request) => {
    const snapshot = catalog.snapshot;
    const templates = [...snapshot.resourceTemplates.values()].map((entry) => entry.json);
    const page = pageOf("resourceTemplates", templates, snapshot.versions.resourceTemplates, request.params?.cursor, pageSize);
    return { resourceTemplates: page.items as never, ...nextCursorOf(page), ...cacheable(snapshot.hints.resourceTemplates) };
  });

  server.setRequestHandler("resources/read", async (request, ctx) => {
    const { uri } = request.params;
    const entry = resourceEntry(catalog, uri);
    if (entry === undefined) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource not found: no MCP service offers ${JSON.stringify(uri)}`, { uri });
    }
    const own = uri.slice(entry.qualifier.length);
    const response = await backendCall(() => entry.backend.readResource(own, { signal: ctx.mcpReq.signal, metadata: view.metadata ?? {} }));
    const result = readResourceResultJson(response);
    // The contents name the URIs the client knows: qualified ones where the gateway qualified.
    if (entry.qualifier !== "") {
      for (const contents of result["contents"] as JsonObject[]) contents["uri"] = entry.qualifier + String(contents["uri"]);
    }
    return { ...result, ...cacheable(cacheHintOf(response)) } as never;
  });

  server.setRequestHandler("prompts/list", async (request) => {
    const snapshot = catalog.snapshot;
    const prompts = [...snapshot.prompts.values()].map((entry) => entry.prompt);
    const page = pageOf("prompts", prompts, snapshot.versions.prompts, request.params?.cursor, pageSize);
    return { prompts: page.items as never, ...nextCursorOf(page), ...cacheable(snapshot.hints.prompts) };
  });

  server.setRequestHandler("prompts/get", async (request, ctx) => {
    const entry = catalog.snapshot.prompts.get(request.params.name);
    if (entry === undefined) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${JSON.stringify(request.params.name)}; prompts/list names them`);
    }
    const args = request.params.arguments ?? {};
    const response = await backendCall(() => entry.backend.getPrompt(entry.name, args, { signal: ctx.mcpReq.signal, metadata: view.metadata ?? {} }));
    return getPromptResultJson(response) as never;
  });

  server.setRequestHandler("completion/complete", async (request, ctx) => {
    const { ref, argument, context } = request.params;
    const options = { signal: ctx.mcpReq.signal, metadata: view.metadata ?? {} };
    const call = { argument, context: { arguments: context?.arguments ?? {} } };
    if (ref.type === "ref/prompt") {
      const entry = catalog.snapshot.prompts.get(ref.name);
      if (entry === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${JSON.stringify(ref.name)}`);
      const response = await backendCall(() =>
        entry.backend.complete({ ...call, ref: { case: "prompt", value: { name: entry.name } } }, options),
      );
      return completeResultJson(response) as never;
    }
    const entry = catalog.snapshot.resourceTemplates.get(ref.uri);
    if (entry === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown resource template: ${JSON.stringify(ref.uri)}`);
    const response = await backendCall(() => entry.backend.complete({ ...call, ref: { case: "resource", value: { uri: entry.uri } } }, options));
    return completeResultJson(response) as never;
  });

  return server;
}

/** The result's `nextCursor`, absent on the last page (the spec's end of the list). */
function nextCursorOf(page: { nextCursor?: string }): { nextCursor?: string } {
  return page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor };
}

/**
 * Calls the tool: CallToolStream when the client asked for progress (each
 * progress message becomes a notifications/progress), CallTool otherwise.
 * The MCP request's abort signal (client cancellation, disconnect) cancels
 * the gRPC call.
 */
async function callTool(
  entry: McpToolEntry,
  args: JsonObject,
  progressToken: string | number | undefined,
  ctx: ServerContext,
  metadata: Record<string, string>,
): Promise<CallToolResult> {
  const options = { signal: ctx.mcpReq.signal, metadata };
  try {
    if (progressToken === undefined) {
      return callToolResultJson(await entry.backend.callTool({ name: entry.name, arguments: args }, options)) as CallToolResult;
    }
    const stream = entry.backend.callToolStream({ name: entry.name, arguments: args, progressToken: String(progressToken) }, options);
    for await (const message of stream) {
      const { event } = message;
      if (event.case === "progress") {
        const { progress, total, message: text } = event.value;
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(text === undefined ? {} : { message: text }) },
        });
      } else if (event.case === "result") {
        return callToolResultJson(event.value) as CallToolResult;
      }
    }
    throw new KledError(Code.Internal, `tool "${entry.name}" of MCP service "${entry.backend.service}": the stream ended without a result`);
  } catch (error) {
    return toolError(error, entry);
  }
}

/**
 * A failed call as MCP's tool error (is_error), so the model sees why:
 * bad arguments (INVALID_ARGUMENT) and every other backend failure. A
 * cancelled call is rethrown: the client asked for it and expects no result.
 */
function toolError(error: unknown, entry: McpToolEntry): CallToolResult {
  if (ctxAborted(error)) throw error;
  if (error instanceof KledError && error.code === Code.NotFound) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${JSON.stringify(entry.tool["name"])}: ${error.message}`);
  }
  const message = error instanceof KledError ? error.message : String(error);
  return { isError: true, content: [{ type: "text", text: message }] };
}

function ctxAborted(error: unknown): boolean {
  return error instanceof KledError && error.code === Code.Canceled;
}

/** A backend call whose Kled error becomes the MCP error a client can act on. */
async function backendCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof KledError)) throw error;
    switch (error.code) {
      case Code.InvalidArgument:
      case Code.NotFound:
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
      default:
        throw new ProtocolError(ProtocolErrorCode.InternalError, error.message);
    }
  }
}

/** The resource, or the template matching `uri`, that the gateway exposes under it. */
function resourceEntry(catalog: Catalog, uri: string): ResourceEntry | undefined {
  const { resources, resourceTemplates } = catalog.snapshot;
  const exact = resources.get(uri);
  if (exact !== undefined) return exact;
  for (const [template, entry] of resourceTemplates) if (matchesTemplate(template, uri)) return entry;
  return undefined;
}
