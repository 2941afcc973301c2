import { fromJson, toJson, type DescMethod, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import type { CallOptions, Client, MethodCall } from "../client/client.js";
import type { MethodDefinition } from "../definition/service-definition.js";
import { Code, codeName } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { messageOf } from "../errors/message-of.js";
import type { CallToolResult } from "../peers/mcp-server.js";
import type { DescriptorCache } from "./descriptor-cache.js";
import type { ProtoTool } from "./proto-tool.js";
import { serviceDefinitionOf } from "../definition/service-definition-of.js";

/**
 * Calls a proto method as an MCP tool: the arguments are the request's
 * proto3 JSON, the result's structured content (and its one text block) the
 * response's proto3 JSON. Arguments that do not parse as the request are a
 * tool error naming the field and the value (protobuf-es's message), as is
 * every failure of the call; a cancelled call is rethrown.
 */
export async function callProtoTool(
  client: Client,
  descriptors: DescriptorCache,
  tool: ProtoTool,
  exposedName: string,
  args: JsonObject,
  options: CallOptions,
): Promise<CallToolResult> {
  let method: DescMethod;
  let call: MethodCall;
  let registry: Awaited<ReturnType<DescriptorCache["get"]>>;
  try {
    ({ method, call, registry } = await resolve(descriptors, tool));
  } catch (error) {
    return toolError(`tool "${exposedName}": cannot read the descriptors of ${tool.path}: ${messageOf(error)}`);
  }
  let request;
  try {
    request = fromJson(method.input, args as JsonValue, { registry });
  } catch (error) {
    return toolError(`tool "${exposedName}": the arguments do not fit ${method.input.typeName}: ${messageOf(error)}`);
  }
  try {
    const response = await client.unary({ ...call, defaults: { service: tool.service } }, request, options);
    const json = toJson(method.output, response, { registry }) as JsonObject;
    return { content: [{ type: "text", text: JSON.stringify(json) }], structuredContent: json };
  } catch (error) {
    if (error instanceof KledError && error.code === Code.Canceled) throw error;
    const detail = error instanceof KledError ? `code ${codeName(error.code)}: ${error.rawMessage}` : messageOf(error);
    return toolError(`tool "${exposedName}" (${tool.path} of service "${tool.service}") failed: ${detail}`);
  }
}

async function resolve(descriptors: DescriptorCache, tool: ProtoTool) {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(tool.path);
  if (match === null) throw new Error(`"${tool.path}" is not a gRPC path /pkg.Service/Method`);
  const [, typeName = "", methodName = ""] = match;
  const registry = await descriptors.get(tool.service, tool.version, typeName);
  const service = registry.getService(typeName);
  const method = service?.methods.find((candidate) => candidate.name === methodName);
  if (service === undefined || method === undefined) throw new Error(`the node's reflection has no method ${tool.path}`);
  if (method.methodKind !== "unary") throw new Error(`${tool.path} is ${method.methodKind.replace("_", " ")}; only unary methods are tools`);
  const definition = serviceDefinitionOf(service);
  const call: MethodCall = { service: definition, method: definition.methods[method.localName] as MethodDefinition, defaults: {} };
  return { method, call, registry };
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}
