import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError, Service, silentLogger, type Registry } from "@kled/runtime";
import type { CacheScope, PromptSchema, ResourceSchema, ResourceTemplateSchema, ToolSchema } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { registerMcpServiceHandler, type McpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";

/**
 * An MCP backend that offers `count` of each kind (tools t00…, resources
 * list://r00…, templates list://t00/{id}…, prompts p00…), each list in one
 * backend page, with the cache hint it is given. `count` and `generation`
 * can change while it runs: a new generation changes every description, so
 * the lists differ without the registry noticing anything.
 */
export class ListingBackend implements McpServiceHandler {
  count: number;
  generation = 0;
  /** How many times the gateway has listed its tools. */
  toolListings = 0;
  readonly #hint: { ttlMs?: number; cacheScope?: CacheScope };

  constructor(count: number, hint: { ttlMs?: number; cacheScope?: CacheScope } = {}) {
    this.count = count;
    this.#hint = hint;
  }

  initialize() {
    return { protocolVersion: "2025-11-25", serverInfo: { name: "listing-backend", version: "1.0.0" } };
  }

  ping() {
    return {};
  }

  listTools() {
    this.toolListings++;
    const tools: MessageInitShape<typeof ToolSchema>[] = this.#names("t").map((name) => ({
      name,
      description: `tool ${name}, generation ${this.generation}`,
      inputSchema: { type: "object" },
    }));
    return { tools, nextCursor: "", ...this.#hint };
  }

  callTool(): never {
    throw new KledError(Code.Unimplemented, "listing backend: its tools only exist to be listed");
  }

  // eslint-disable-next-line require-yield
  async *callToolStream(): AsyncGenerator<never> {
    throw new KledError(Code.Unimplemented, "listing backend: its tools only exist to be listed");
  }

  listResources() {
    const resources: MessageInitShape<typeof ResourceSchema>[] = this.#names("r").map((name) => ({
      uri: `list://${name}`,
      name,
      description: `generation ${this.generation}`,
    }));
    return { resources, nextCursor: "", ...this.#hint };
  }

  listResourceTemplates() {
    const resourceTemplates: MessageInitShape<typeof ResourceTemplateSchema>[] = this.#names("t").map((name) => ({
      uriTemplate: `list://${name}/{id}`,
      name,
      description: `generation ${this.generation}`,
    }));
    return { resourceTemplates, nextCursor: "", ...this.#hint };
  }

  readResource(): never {
    throw new KledError(Code.NotFound, "listing backend: nothing to read");
  }

  listPrompts() {
    const prompts: MessageInitShape<typeof PromptSchema>[] = this.#names("p").map((name) => ({ name, description: `generation ${this.generation}` }));
    return { prompts, nextCursor: "", ...this.#hint };
  }

  getPrompt(): never {
    throw new KledError(Code.NotFound, "listing backend: no prompt to get");
  }

  complete() {
    return { completion: { values: [] } };
  }

  #names(prefix: string): string[] {
    return Array.from({ length: this.count }, (_, index) => `${prefix}${String(index).padStart(2, "0")}`);
  }
}

export async function startListingBackend(registry: Registry, name: string, handler: ListingBackend): Promise<Service> {
  const service = new Service({ name, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  registerMcpServiceHandler(service.server, handler);
  await service.start();
  return service;
}
