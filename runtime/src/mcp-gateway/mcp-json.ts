/**
 * kled.mcp.v1 messages as MCP's JSON. The proto keeps MCP's field names, so
 * proto3 JSON is MCP's JSON except where protobuf has no equivalent: unions
 * are oneofs (`{ "text": { … } }` instead of `{ "type": "text", … }`),
 * `_meta` is `meta` (proto field names cannot start with "_"), and roles are
 * enum names. These functions undo exactly those differences.
 */
import { toJson, type DescMessage, type JsonObject, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  CallToolResponseSchema,
  CompleteResponseSchema,
  GetPromptResponseSchema,
  PromptSchema,
  ReadResourceResponseSchema,
  ResourceSchema,
  ResourceTemplateSchema,
  ToolSchema,
  type CallToolResponse,
  type CompleteResponse,
  type GetPromptResponse,
  type Prompt,
  type ReadResourceResponse,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from "../gen/kled/mcp/v1/mcp_pb.js";

/** MCP's role names by proto enum name. */
const ROLES: Readonly<Record<string, string>> = { ROLE_USER: "user", ROLE_ASSISTANT: "assistant" };

/** MCP names of the ContentBlock oneof cases. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  text: "text",
  image: "image",
  audio: "audio",
  resourceLink: "resource_link",
  resource: "resource",
};

export function toolJson(tool: Tool): JsonObject {
  return withMeta(json(ToolSchema, tool));
}

export function resourceJson(resource: Resource): JsonObject {
  return resourceObject(json(ResourceSchema, resource));
}

export function resourceTemplateJson(template: ResourceTemplate): JsonObject {
  return resourceObject(json(ResourceTemplateSchema, template));
}

export function promptJson(prompt: Prompt): JsonObject {
  return withMeta(json(PromptSchema, prompt));
}

/**
 * MCP's CallToolResult. Its structuredContent is structured_value when that
 * is set (any JSON value, revision 2026-07-28), else structured_content; a
 * Value without a kind counts as unset. For 2025-11-25 clients the SDK's
 * projectCallToolResult wraps a non-object value as {"result": value}.
 */
export function callToolResultJson(result: CallToolResponse): JsonObject {
  const { structuredValue } = result;
  const object = withMeta(json(CallToolResponseSchema, { ...result, structuredValue: undefined }));
  object["content"] = array(object["content"]).map(contentBlock);
  object["isError"] = result.isError;
  if (structuredValue !== undefined && structuredValue.kind.case !== undefined) {
    object["structuredContent"] = toJson(ValueSchema, structuredValue);
  }
  return object;
}

export function readResourceResultJson(result: ReadResourceResponse): JsonObject {
  const object = json(ReadResourceResponseSchema, result);
  return { contents: array(object["contents"]).map(resourceContents) };
}

export function getPromptResultJson(result: GetPromptResponse): JsonObject {
  const object = json(GetPromptResponseSchema, result);
  const messages = array(object["messages"]).map((message) => {
    const { role, content } = message as JsonObject;
    return { role: ROLES[role as string] ?? "user", content: contentBlock(content ?? {}) };
  });
  return { ...object, messages };
}

export function completeResultJson(result: CompleteResponse): JsonObject {
  const object = json(CompleteResponseSchema, result);
  const completion = (object["completion"] ?? {}) as JsonObject;
  return { completion: { values: [], ...completion, hasMore: result.completion?.hasMore ?? false } };
}

function json<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonObject {
  // Implicit fields too: MCP requires some that proto3 JSON leaves out when empty (a text content's "text").
  return toJson(schema, message, { alwaysEmitImplicit: true }) as JsonObject;
}

function array(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

/** `meta` → `_meta`, and roles in `annotations` by their MCP names. */
function withMeta(object: JsonObject): JsonObject {
  const { meta, annotations, ...rest } = object;
  const result: JsonObject = rest;
  if (annotations !== undefined) result["annotations"] = annotationsObject(annotations as JsonObject);
  if (meta !== undefined) result["_meta"] = meta;
  return result;
}

function annotationsObject(annotations: JsonObject): JsonObject {
  const audience = annotations["audience"];
  if (!Array.isArray(audience)) return annotations;
  return { ...annotations, audience: audience.map((role) => ROLES[role as string] ?? "user") };
}

/** Resource and ResourceTemplate: `size` is an int64, which proto3 JSON writes as a string. */
function resourceObject(object: JsonObject): JsonObject {
  const result = withMeta(object);
  if (typeof result["size"] === "string") result["size"] = Number(result["size"]);
  return result;
}

function contentBlock(value: JsonValue): JsonObject {
  const [kind, body] = Object.entries(value as JsonObject)[0] ?? ["text", { text: "" }];
  const type = CONTENT_TYPES[kind] ?? kind;
  const object = body as JsonObject;
  switch (kind) {
    case "resourceLink":
      return { type, ...resourceObject(object) };
    case "resource": {
      const { resource, ...rest } = withMeta(object);
      return { type, resource: resourceContents(resource ?? {}), ...rest };
    }
    default:
      return { type, ...withMeta(object) };
  }
}

/** ResourceContents' oneof (`{ "text": {…} }` or `{ "blob": {…} }`) flattened as MCP has it. */
function resourceContents(value: JsonValue): JsonObject {
  const [, body] = Object.entries(value as JsonObject)[0] ?? ["text", {}];
  return withMeta(body as JsonObject);
}
