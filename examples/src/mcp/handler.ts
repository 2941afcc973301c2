import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext, Stream } from "@kled/runtime";
import type {
  CallToolRequest,
  CallToolResponseSchema,
  CallToolStreamRequest,
  CallToolStreamResponseSchema,
  CompleteRequest,
  GetPromptRequest,
  InitializeRequest,
  ListPromptsRequest,
  ListResourcesRequest,
  ListResourceTemplatesRequest,
  ListToolsRequest,
  ProgressNotificationSchema,
  ReadResourceRequest,
  ToolSchema,
} from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import type { McpServiceHandler } from "../gen/kled/mcp/v1/mcp_kled.js";
import { AsyncQueue } from "../shared/async-queue.js";
import { CODE_DEFINED_LIST, TOOL_CHANGED_DATA } from "./cache-hints.js";
import { complete } from "./completion.js";
import { KvStore } from "./kv-store.js";
import { paginate } from "./pagination.js";
import { Prompts } from "./prompts.js";
import { initialize, type ServerInfo } from "./protocol.js";
import { Resources } from "./resources.js";
import { ToolCallStats } from "./stats.js";
import type { Tool, ToolOutcome, ToolRunContext } from "./tools/tool.js";
import { exampleTools, type ToolRegistry } from "./tools/tool-registry.js";

type CallToolResult = MessageInitShape<typeof CallToolResponseSchema>;
type Progress = MessageInitShape<typeof ProgressNotificationSchema>;

/** Options of {@link McpToolService}. */
export interface McpToolServiceOptions {
  /** Names this instance in `kled://stats`: the registry node id, known once the service started. */
  instanceId: () => string;
  /** The version reported in Initialize. Default "0.1.0". */
  version?: string;
}

/**
 * The example MCP server: arithmetic, text and key-value tools, the
 * `kled://stats` and `kv://{key}` resources, two prompts and completion.
 *
 * Every instance keeps its own key-value store and call counts in memory
 * (see KvStore): two instances behind one service name do not share state.
 */
export class McpToolService implements McpServiceHandler {
  readonly #store = new KvStore();
  readonly #tools: ToolRegistry = exampleTools(this.#store);
  readonly #resources: Resources;
  readonly #prompts = new Prompts(this.#store);
  readonly #stats: ToolCallStats;
  readonly #info: ServerInfo;

  constructor(options: McpToolServiceOptions) {
    this.#stats = new ToolCallStats(options.instanceId);
    this.#resources = new Resources(this.#store, this.#stats);
    this.#info = {
      name: "kled-mcp-tools",
      version: options.version ?? "0.1.0",
      instructions:
        "Deterministic tools for arithmetic (add, multiply, divide), text (uppercase, reverse, word_count) " +
        "and a key-value store (kv_*) kept in the memory of each instance. Read kled://stats for call counts.",
    };
  }

  initialize(request: InitializeRequest) {
    return initialize(request, this.#info);
  }

  ping() {
    return {};
  }

  listTools(request: ListToolsRequest) {
    const page = paginate("tools", this.#tools.list(), request.cursor);
    return { tools: page.items.map(toolMessage), nextCursor: page.nextCursor, ...CODE_DEFINED_LIST };
  }

  async callTool(request: CallToolRequest, context: HandlerContext): Promise<CallToolResult> {
    const run = this.#prepare(request.name, request.arguments);
    return toolResult(await run({ signal: context.signal, progress: () => undefined }));
  }

  /** Streams a "started" progress message, the tool's own progress, then the result. */
  async *callToolStream(
    request: CallToolStreamRequest,
    context: HandlerContext,
  ): Stream<MessageInitShape<typeof CallToolStreamResponseSchema>> {
    // Checked before the first message, so bad arguments fail the call itself.
    const run = this.#prepare(request.name, request.arguments);
    const progressToken = request.progressToken;
    const progress = new AsyncQueue<Progress>();
    progress.push({ progressToken, progress: 0, message: `started ${request.name}` });
    const runContext: ToolRunContext = {
      signal: context.signal,
      progress: (value, total, message) => progress.push({ progressToken, progress: value, total, message }),
    };
    const outcome = Promise.resolve()
      .then(() => run(runContext))
      .finally(() => progress.close());
    outcome.catch(() => undefined); // awaited below; this only stops an "unhandled rejection" meanwhile
    for await (const value of progress.iterate(context.signal)) {
      yield { event: { case: "progress", value } };
    }
    yield { event: { case: "result", value: toolResult(await outcome) } };
  }

  listResources(request: ListResourcesRequest) {
    const page = paginate("resources", this.#resources.list(), request.cursor);
    return { resources: page.items, nextCursor: page.nextCursor, ...TOOL_CHANGED_DATA };
  }

  listResourceTemplates(request: ListResourceTemplatesRequest) {
    const page = paginate("resource-templates", this.#resources.templates(), request.cursor);
    return { resourceTemplates: page.items, nextCursor: page.nextCursor, ...CODE_DEFINED_LIST };
  }

  readResource(request: ReadResourceRequest) {
    return { ...this.#resources.read(request.uri), ...TOOL_CHANGED_DATA };
  }

  listPrompts(request: ListPromptsRequest) {
    const page = paginate("prompts", this.#prompts.list(), request.cursor);
    return { prompts: page.items, nextCursor: page.nextCursor, ...CODE_DEFINED_LIST };
  }

  getPrompt(request: GetPromptRequest) {
    return this.#prompts.get(request.name, request.arguments);
  }

  complete(request: CompleteRequest) {
    return complete(request, this.#prompts, this.#store);
  }

  /** Finds the tool and checks the arguments (both throw), then counts the call. */
  #prepare(name: string, args: JsonObject | undefined): (context: ToolRunContext) => Promise<ToolOutcome> {
    const run = this.#tools.get(name).prepare(args ?? {});
    return async (context) => {
      this.#stats.record(name);
      return run(context);
    };
  }
}

function toolMessage(tool: Tool): MessageInitShape<typeof ToolSchema> {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: tool.annotations,
    // These tools answer within a call; none runs as an MCP task.
    execution: { taskSupport: "forbidden" },
  };
}

/**
 * MCP's CallToolResult: structured content plus its JSON as text (MCP asks
 * for both, for clients that only read text), or the failure as text with
 * is_error.
 */
function toolResult(outcome: ToolOutcome): CallToolResult {
  if (!outcome.ok) {
    return { isError: true, content: [{ content: { case: "text", value: { text: outcome.error } } }] };
  }
  const structured: JsonObject = { result: outcome.result, ...outcome.details };
  return {
    structuredContent: structured,
    content: [{ content: { case: "text", value: { text: JSON.stringify(structured) } } }],
  };
}
