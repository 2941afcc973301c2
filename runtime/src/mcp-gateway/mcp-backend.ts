import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions, Client, MethodCall } from "../client/client.js";
import type { MethodDefinition } from "../definition/service-definition.js";
import {
  McpService,
  type CallToolRequestSchema,
  type CallToolResponse,
  type CallToolStreamRequestSchema,
  type CallToolStreamResponse,
  type CompleteRequestSchema,
  type CompleteResponse,
  type GetPromptResponse,
  type ListPromptsResponse,
  type ListResourcesResponse,
  type ListResourceTemplatesResponse,
  type ListToolsResponse,
  type Prompt,
  type ReadResourceResponse,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from "../gen/kled/mcp/v1/mcp_pb.js";
import { serviceDefinitionOf } from "../definition/service-definition-of.js";
import { cacheHintOf, mergeCacheHints, type CacheHint } from "./cache-hint.js";

/** kled.mcp.v1.McpService, with the retry facts of its proto (lists and reads are NO_SIDE_EFFECTS). */
export const MCP_SERVICE = serviceDefinitionOf(McpService);

/** The full proto name every MCP backend serves. */
export const MCP_SERVICE_TYPE = MCP_SERVICE.typeName;

/**
 * Most pages a list of one backend may take. A backend that keeps answering
 * with a next cursor past this is broken (a cursor loop); the gateway stops
 * there rather than spin.
 */
export const MAX_LIST_PAGES = 100;

/** What one MCP backend offers, read by paging through its lists. */
export interface BackendCatalog {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
  /** Each list's cache hint, merged over its pages (revision 2026-07-28). */
  hints: Record<"tools" | "resources" | "resourceTemplates" | "prompts", CacheHint>;
  /**
   * The smallest ttl_ms any page of any list set, or undefined when none did
   * (a backend built before the field: its lists are read again only when
   * the registry changes, as they always were).
   */
  expiresInMs: number | undefined;
}

/** One list of a backend, every page of it, and the hint its pages give together. */
interface Listed<Item> {
  items: Item[];
  hint: CacheHint;
  /** The smallest ttl_ms its pages set; undefined when none set one. */
  ttlMs: number | undefined;
}

/** What every kled.mcp.v1 list response has. */
type ListPage = { nextCursor: string } & Parameters<typeof cacheHintOf>[0];

/**
 * One MCP service of the registry (all its instances), called by its
 * registered name through the Kled client: each call picks a node, and only
 * the methods the proto marks NO_SIDE_EFFECTS are retried.
 */
export class McpBackend {
  readonly service: string;
  readonly #client: Client;

  constructor(client: Client, service: string) {
    this.service = service;
    this.#client = client;
  }

  async catalog(options: CallOptions = {}): Promise<BackendCatalog> {
    const [tools, resources, resourceTemplates, prompts] = await Promise.all([
      this.#pages<ListToolsResponse, Tool>("listTools", (page) => page.tools, options),
      this.#pages<ListResourcesResponse, Resource>("listResources", (page) => page.resources, options),
      this.#pages<ListResourceTemplatesResponse, ResourceTemplate>("listResourceTemplates", (page) => page.resourceTemplates, options),
      this.#pages<ListPromptsResponse, Prompt>("listPrompts", (page) => page.prompts, options),
    ]);
    return {
      tools: tools.items,
      resources: resources.items,
      resourceTemplates: resourceTemplates.items,
      prompts: prompts.items,
      hints: { tools: tools.hint, resources: resources.hint, resourceTemplates: resourceTemplates.hint, prompts: prompts.hint },
      expiresInMs: smallest([tools.ttlMs, resources.ttlMs, resourceTemplates.ttlMs, prompts.ttlMs]),
    };
  }

  callTool(request: MessageInitShape<typeof CallToolRequestSchema>, options: CallOptions): Promise<CallToolResponse> {
    return this.#unary("callTool", request, options);
  }

  callToolStream(
    request: MessageInitShape<typeof CallToolStreamRequestSchema>,
    options: CallOptions,
  ): AsyncIterable<CallToolStreamResponse> {
    return this.#client.serverStream(this.#call("callToolStream"), request, options) as AsyncIterable<CallToolStreamResponse>;
  }

  readResource(uri: string, options: CallOptions): Promise<ReadResourceResponse> {
    return this.#unary("readResource", { uri }, options);
  }

  getPrompt(name: string, args: Record<string, string>, options: CallOptions): Promise<GetPromptResponse> {
    return this.#unary("getPrompt", { name, arguments: args }, options);
  }

  complete(request: MessageInitShape<typeof CompleteRequestSchema>, options: CallOptions): Promise<CompleteResponse> {
    return this.#unary("complete", request, options);
  }

  async #pages<Page extends ListPage, Item>(method: string, items: (page: Page) => Item[], options: CallOptions): Promise<Listed<Item>> {
    const all: Item[] = [];
    const hints: CacheHint[] = [];
    const ttls: Array<number | undefined> = [];
    let cursor = "";
    for (let pages = 0; pages < MAX_LIST_PAGES; pages++) {
      const page = await this.#unary<Page>(method, { cursor }, options);
      all.push(...items(page));
      hints.push(cacheHintOf(page));
      ttls.push(page.ttlMs);
      if (page.nextCursor === "") return { items: all, hint: mergeCacheHints(hints), ttlMs: smallest(ttls) };
      cursor = page.nextCursor;
    }
    throw new Error(
      `MCP service "${this.service}": ${method} still returned a next cursor after ${MAX_LIST_PAGES} pages; its pagination loops`,
    );
  }

  async #unary<Response>(method: string, request: MessageInitShape<DescMessage>, options: CallOptions): Promise<Response> {
    return (await this.#client.unary(this.#call(method), request, options)) as Response;
  }

  #call(localName: string): MethodCall {
    return { service: MCP_SERVICE, method: MCP_SERVICE.methods[localName] as MethodDefinition, defaults: { service: this.service } };
  }
}

/** The smallest of the values that are set; undefined when none is. */
function smallest(values: ReadonlyArray<number | undefined>): number | undefined {
  let least: number | undefined;
  for (const value of values) if (value !== undefined && (least === undefined || value < least)) least = value;
  return least;
}
