import type { JsonObject } from "@bufbuild/protobuf";
import type { Client } from "../client/client.js";
import { TOOL_ENDPOINT_METADATA_KEY } from "../definition/tool.js";
import { messageOf } from "../errors/message-of.js";
import type { Logger } from "../logging/logger.js";
import type { Registry, ServiceRecord } from "../registry/registry.js";
import { RegistryFollower } from "../registry/registry-follower.js";
import { DEFAULT_CACHE_HINT, mergeCacheHints, type CacheHint } from "./cache-hint.js";
import { DescriptorCache } from "./descriptor-cache.js";
import { listVersion, type ListName } from "./list-cursor.js";
import { McpBackend, MCP_SERVICE_TYPE, type BackendCatalog } from "./mcp-backend.js";
import { promptJson, resourceJson, resourceTemplateJson, toolJson } from "./mcp-json.js";
import { exposeNames, type Exposed, type Namespacing, uriQualifier } from "./namespacing.js";
import { protoToolsOf, type ProtoTool } from "./proto-tool.js";

/**
 * Milliseconds one backend may take to list everything it offers before the
 * gateway keeps what it knew of it: a few unary calls on loopback or a LAN,
 * so five seconds means the backend is stuck, and a refresh must not hang.
 */
export const DEFAULT_LIST_TIMEOUT_MS = 5_000;

/** What changed in a refresh, in MCP's list-changed terms. */
export interface CatalogChange {
  tools: boolean;
  resources: boolean;
  prompts: boolean;
}

/** A tool as exposed, with where it goes: a tool of an MCP backend or a proto method. */
export type ToolEntry = McpToolEntry | ProtoToolEntry;

interface ToolEntryBase {
  /** MCP's Tool JSON, under its exposed name. */
  readonly tool: JsonObject;
  /** The name the backend knows it by. */
  readonly name: string;
  /** Its JSON Schema of structured content, for the result's projection. */
  readonly outputSchema: JsonObject | undefined;
}

export interface McpToolEntry extends ToolEntryBase {
  readonly kind: "mcp";
  readonly backend: McpBackend;
}

export interface ProtoToolEntry extends ToolEntryBase {
  readonly kind: "proto";
  readonly proto: ProtoTool;
}

export interface PromptEntry {
  readonly prompt: JsonObject;
  readonly backend: McpBackend;
  readonly name: string;
}

export interface ResourceEntry {
  readonly json: JsonObject;
  readonly backend: McpBackend;
  /**
   * What the exposed URI (or template) adds before the backend's own: ""
   * unless another service offers the same one (see {@link uriQualifier}).
   */
  readonly qualifier: string;
  /** The backend's own URI or URI template. */
  readonly uri: string;
}

/** The merged view of every MCP backend at one moment; replaced whole on each refresh. */
export interface CatalogSnapshot {
  readonly tools: ReadonlyMap<string, ToolEntry>;
  readonly prompts: ReadonlyMap<string, PromptEntry>;
  /** By exposed URI: a URI that two services list is qualified by each (see {@link uriQualifier}). */
  readonly resources: ReadonlyMap<string, ResourceEntry>;
  /** By exposed URI template, same rule. */
  readonly resourceTemplates: ReadonlyMap<string, ResourceEntry>;
  /**
   * The cache hint of each merged list (revision 2026-07-28): the smallest
   * ttl of the backends' lists and private if any is (see
   * {@link mergeCacheHints}); proto tools, which no list response
   * describes, count as {@link DEFAULT_CACHE_HINT}.
   */
  readonly hints: Readonly<BackendCatalog["hints"]>;
  /** Each list's version (a digest of its items' JSON), which its cursors carry: see {@link listVersion}. */
  readonly versions: Readonly<Record<ListName, string>>;
}

export interface CatalogOptions {
  registry: Registry;
  client: Client;
  logger: Logger;
  namespacing?: Namespacing;
  listTimeoutMs?: number;
}

/**
 * Every MCP service of the registry, live: a registry watch triggers a
 * refresh, which finds the services that serve kled.mcp.v1.McpService and
 * have nodes, lists what each offers, adds the proto methods whose endpoint
 * records carry a tool, merges the lists and tells listeners which of them
 * changed. Refreshes never overlap; changes arriving during one
 * cause exactly one more.
 */
export class Catalog {
  readonly #options: CatalogOptions;
  readonly #listeners = new Set<(change: CatalogChange) => void>();
  readonly #backends = new Map<string, McpBackend>();
  /** The last catalog each live backend answered with. */
  readonly #known = new Map<string, BackendCatalog>();
  /** The proto tools of the last read of the registry. */
  #protoTools: ProtoTool[] = [];
  #snapshot: CatalogSnapshot = emptySnapshot();
  readonly #follower: RegistryFollower;

  /** Descriptors of the proto tools' services, by service version. */
  readonly descriptors: DescriptorCache;

  constructor(options: CatalogOptions) {
    this.#options = options;
    this.descriptors = new DescriptorCache(options.registry, options.client);
    this.#follower = new RegistryFollower({
      registry: options.registry,
      logger: options.logger,
      name: "mcp gateway",
      keeps: "the catalog as it was",
      read: () => this.#refreshOnce(),
    });
  }

  /** The client every tool call goes through. */
  get client(): Client {
    return this.#options.client;
  }

  get snapshot(): CatalogSnapshot {
    return this.#snapshot;
  }

  /** Reads the registry once, then follows it. */
  start(): Promise<void> {
    return this.#follower.start();
  }

  stop(): void {
    this.#follower.stop();
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once a refresh that started after this call has finished. */
  refresh(): Promise<void> {
    return this.#follower.refresh();
  }

  async #refreshOnce(): Promise<void> {
    const { services, protoTools } = await this.#readRegistry();
    this.#protoTools = protoTools;
    for (const name of this.#backends.keys()) {
      if (!services.includes(name)) {
        this.#backends.delete(name);
        this.#known.delete(name);
      }
    }
    const timeoutMs = this.#options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
    await Promise.all(
      services.map(async (service) => {
        const backend = this.#backends.get(service) ?? new McpBackend(this.#options.client, service);
        this.#backends.set(service, backend);
        try {
          this.#known.set(service, await backend.catalog({ timeoutMs }));
        } catch (error) {
          this.#options.logger.warn("mcp gateway: cannot list what an MCP service offers; keeping what it offered before", {
            service,
            error: messageOf(error),
          });
        }
      }),
    );
    if (this.#follower.stopped) return;
    const next = this.#merge(services);
    const previous = this.#snapshot;
    this.#snapshot = next;
    const changed = (list: ListName) => previous.versions[list] !== next.versions[list];
    const change: CatalogChange = {
      tools: changed("tools"),
      prompts: changed("prompts"),
      resources: changed("resources") || changed("resourceTemplates"),
    };
    if (change.tools || change.prompts || change.resources) for (const listener of this.#listeners) listener(change);
  }

  /**
   * Names of the services with live nodes that serve kled.mcp.v1.McpService,
   * sorted, and the proto tools of every service with live nodes, in
   * service-name order.
   */
  async #readRegistry(): Promise<{ services: string[]; protoTools: ProtoTool[] }> {
    const { registry, logger } = this.#options;
    const records = await registry.listServices();
    const names = [...new Set(records.filter((record) => servesMcp(record) || offersTools(record)).map((record) => record.name))].sort();
    const services: string[] = [];
    const protoTools: ProtoTool[] = [];
    for (const name of names) {
      const versions = await registry.getService(name);
      if (versions.some((record) => servesMcp(record) && record.nodes.length > 0)) services.push(name);
      protoTools.push(...protoToolsOf(versions, (problem) => logger.warn(`mcp gateway: skipping a proto tool: ${problem}`)));
    }
    return { services, protoTools };
  }

  #merge(services: readonly string[]): CatalogSnapshot {
    const backends = services.flatMap((service) => {
      const catalog = this.#known.get(service);
      const backend = this.#backends.get(service);
      return catalog === undefined || backend === undefined ? [] : [{ backend, catalog }];
    });
    const { namespacing } = this.#options;
    const tools = exposeNames<ToolOffer>(
      [
        ...backends.flatMap(({ backend, catalog }) =>
          catalog.tools.map((tool) => ({ service: backend.service, name: tool.name, item: { kind: "mcp" as const, backend, tool } })),
        ),
        ...this.#protoTools.map((proto) => ({ service: proto.service, name: proto.tool["name"] as string, item: { kind: "proto" as const, proto } })),
      ],
      namespacing,
    );
    const prompts = exposeNames(
      backends.flatMap(({ backend, catalog }) =>
        catalog.prompts.map((prompt) => ({ service: backend.service, name: prompt.name, item: { backend, prompt } })),
      ),
      namespacing,
    );
    const resources = exposeUris(
      backends.flatMap(({ backend, catalog }) => catalog.resources.map((resource) => ({ backend, uri: resource.uri, json: resourceJson(resource) }))),
      "uri",
    );
    const templates = exposeUris(
      backends.flatMap(({ backend, catalog }) =>
        catalog.resourceTemplates.map((template) => ({ backend, uri: template.uriTemplate, json: resourceTemplateJson(template) })),
      ),
      "uriTemplate",
    );
    const hints = (list: keyof BackendCatalog["hints"], extra: CacheHint[] = []) =>
      mergeCacheHints([...backends.map(({ catalog }) => catalog.hints[list]), ...extra]);
    const toolEntries = new Map(tools.map((entry) => [entry.exposed, toolEntry(entry)]));
    const promptEntries = new Map<string, PromptEntry>(
      prompts.map((entry) => [
        entry.exposed,
        { prompt: { ...promptJson(entry.item.prompt), name: entry.exposed }, backend: entry.item.backend, name: entry.name },
      ]),
    );
    return {
      hints: {
        tools: hints("tools", this.#protoTools.length > 0 ? [DEFAULT_CACHE_HINT] : []),
        resources: hints("resources"),
        resourceTemplates: hints("resourceTemplates"),
        prompts: hints("prompts"),
      },
      tools: toolEntries,
      prompts: promptEntries,
      resources,
      resourceTemplates: templates,
      versions: {
        tools: versionOf(toolEntries, (entry) => entry.tool),
        prompts: versionOf(promptEntries, (entry) => entry.prompt),
        resources: versionOf(resources, (entry) => entry.json),
        resourceTemplates: versionOf(templates, (entry) => entry.json),
      },
    };
  }
}

/**
 * Resources (or templates) by the URI they are exposed under. A URI that
 * one service offers keeps its own, as tool names do; one that two services
 * offer is exposed once per service, qualified, so that neither shadows the
 * other. A service listing one URI twice keeps the first.
 */
function exposeUris(offers: ReadonlyArray<{ backend: McpBackend; uri: string; json: JsonObject }>, key: "uri" | "uriTemplate"): Map<string, ResourceEntry> {
  const services = new Map<string, Set<string>>();
  for (const { backend, uri } of offers) services.set(uri, (services.get(uri) ?? new Set()).add(backend.service));
  const exposed = new Map<string, ResourceEntry>();
  for (const { backend, uri, json } of offers) {
    const qualifier = (services.get(uri)?.size ?? 0) > 1 ? uriQualifier(backend.service) : "";
    const name = qualifier + uri;
    if (!exposed.has(name)) exposed.set(name, { json: { ...json, [key]: name }, backend, qualifier, uri });
  }
  return exposed;
}

type ToolOffer = { kind: "mcp"; backend: McpBackend; tool: BackendCatalog["tools"][number] } | { kind: "proto"; proto: ProtoTool };

function toolEntry(entry: Exposed<ToolOffer>): ToolEntry {
  const { item } = entry;
  const tool: JsonObject = { ...(item.kind === "mcp" ? toolJson(item.tool) : item.proto.tool), name: entry.exposed };
  if (tool["inputSchema"] === undefined) tool["inputSchema"] = { type: "object" };
  if (item.kind === "proto") {
    const outputSchema = tool["outputSchema"];
    const schema = typeof outputSchema === "object" && outputSchema !== null && !Array.isArray(outputSchema) ? outputSchema : undefined;
    return { kind: "proto", tool, proto: item.proto, name: entry.name, outputSchema: schema };
  }
  return { kind: "mcp", tool, backend: item.backend, name: entry.name, outputSchema: item.tool.outputSchema };
}

function offersTools(record: ServiceRecord): boolean {
  return record.endpoints.some((endpoint) => endpoint.metadata[TOOL_ENDPOINT_METADATA_KEY] !== undefined);
}

function servesMcp(record: ServiceRecord): boolean {
  const prefix = `/${MCP_SERVICE_TYPE}/`;
  return record.endpoints.some((endpoint) => endpoint.name.startsWith(prefix));
}

function emptySnapshot(): CatalogSnapshot {
  const hints = { tools: DEFAULT_CACHE_HINT, resources: DEFAULT_CACHE_HINT, resourceTemplates: DEFAULT_CACHE_HINT, prompts: DEFAULT_CACHE_HINT };
  const empty = listVersion([]);
  const versions = { tools: empty, resources: empty, resourceTemplates: empty, prompts: empty };
  return { tools: new Map(), prompts: new Map(), resources: new Map(), resourceTemplates: new Map(), hints, versions };
}

function versionOf<T>(entries: ReadonlyMap<string, T>, json: (entry: T) => JsonObject): string {
  return listVersion([...entries.values()].map((entry) => JSON.stringify(json(entry))));
}
