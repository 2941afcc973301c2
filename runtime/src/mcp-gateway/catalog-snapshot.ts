import type { JsonObject } from "@bufbuild/protobuf";
import { DEFAULT_CACHE_HINT, mergeCacheHints, type CacheHint } from "./cache-hint.js";
import { listVersion, type ListName } from "./list-cursor.js";
import type { BackendCatalog, McpBackend } from "./mcp-backend.js";
import { promptJson, resourceJson, resourceTemplateJson, toolJson } from "./mcp-json.js";
import { exposeNames, type Exposed, type Namespacing, uriQualifier } from "./namespacing.js";
import type { ProtoTool } from "./proto-tool.js";

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

/** One backend and what it offered when last listed. */
export interface ListedBackend {
  readonly backend: McpBackend;
  readonly catalog: BackendCatalog;
}

/**
 * The snapshot of `backends` (in service-name order) and the proto tools:
 * names two backends share qualified (see {@link exposeNames}), resource
 * URIs likewise, each list's hint merged and its version computed.
 */
export function mergeSnapshot(backends: readonly ListedBackend[], protoTools: readonly ProtoTool[], namespacing: Namespacing | undefined): CatalogSnapshot {
  const tools = exposeNames<ToolOffer>(
    [
      ...backends.flatMap(({ backend, catalog }) =>
        catalog.tools.map((tool) => ({ service: backend.service, name: tool.name, item: { kind: "mcp" as const, backend, tool } })),
      ),
      ...protoTools.map((proto) => ({ service: proto.service, name: proto.tool["name"] as string, item: { kind: "proto" as const, proto } })),
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
      tools: hints("tools", protoTools.length > 0 ? [DEFAULT_CACHE_HINT] : []),
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



/** The snapshot before the first refresh: nothing offered. */
export function emptySnapshot(): CatalogSnapshot {
  const hints = { tools: DEFAULT_CACHE_HINT, resources: DEFAULT_CACHE_HINT, resourceTemplates: DEFAULT_CACHE_HINT, prompts: DEFAULT_CACHE_HINT };
  const empty = listVersion([]);
  const versions = { tools: empty, resources: empty, resourceTemplates: empty, prompts: empty };
  return { tools: new Map(), prompts: new Map(), resources: new Map(), resourceTemplates: new Map(), hints, versions };
}

function versionOf<T>(entries: ReadonlyMap<string, T>, json: (entry: T) => JsonObject): string {
  return listVersion([...entries.values()].map((entry) => JSON.stringify(json(entry))));
}
