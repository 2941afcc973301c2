import type { DescExtension, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { protoComment } from "./jsdoc.js";
import type { JsonSchemaObject } from "./json-schema/json-schema.js";
import { messageJsonSchema } from "./json-schema/message-schema.js";
import { TOOL_OPTION, toolOptionOf, type ToolOptionValues } from "./tool-option.js";

/** MCP's tool annotations; a hint left out takes MCP's default. */
export interface ToolAnnotationsJson {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/**
 * A tool as MCP's `Tool` JSON. Mirrors `ToolDescription` in @kled/runtime,
 * which the plugin does not depend on.
 */
export interface ToolJson {
  name: string;
  title?: string;
  description?: string;
  annotations?: ToolAnnotationsJson;
  inputSchema: JsonSchemaObject;
  outputSchema?: JsonSchemaObject;
}

/**
 * The tools of a service's methods, by method local name. Throws when two
 * methods of the service would be offered under the same tool name.
 */
export function serviceTools(service: DescService, option: DescExtension | undefined): Map<string, ToolJson> {
  const tools = new Map<string, ToolJson>();
  if (option === undefined) {
    return tools;
  }
  const methodByTool = new Map<string, string>();
  for (const method of service.methods) {
    const values = toolOptionOf(method, option);
    if (values === undefined) {
      continue;
    }
    const other = methodByTool.get(values.name);
    if (other !== undefined) {
      throw new Error(
        `service ${service.typeName}: methods ${other} and ${method.name} are both the tool ${JSON.stringify(values.name)}; ` +
          `give one of them another name in option (${TOOL_OPTION})`,
      );
    }
    methodByTool.set(values.name, method.name);
    tools.set(method.localName, toolJson(method, values));
  }
  return tools;
}

function toolJson(method: DescMethod, values: ToolOptionValues): ToolJson {
  const description = protoComment(method);
  const annotations = annotationsOf(method, values);
  return {
    name: values.name,
    ...(values.title === "" ? {} : { title: values.title }),
    ...(description === "" ? {} : { description }),
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    inputSchema: objectSchemaOf(method, method.input, "request"),
    outputSchema: objectSchemaOf(method, method.output, "response"),
  };
}

/**
 * The option's hints, with unset ones filled in from `idempotency_level`;
 * throws when they contradict each other.
 * The title is repeated here for clients of MCP revisions before 2025-06-18,
 * which know only `annotations.title`.
 */
function annotationsOf(method: DescMethod, values: ToolOptionValues): ToolAnnotationsJson {
  const level = method.idempotency;
  const sideEffectFree = level === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
  const readOnly = values.readOnly ?? (sideEffectFree ? true : undefined);
  const idempotent =
    values.idempotent ?? (sideEffectFree || level === MethodOptions_IdempotencyLevel.IDEMPOTENT ? true : undefined);
  if (readOnly === true && values.destructive === true) {
    throw new Error(
      `method ${method.parent.typeName}.${method.name}: option (${TOOL_OPTION}) says destructive, ` +
        `but the method is read-only (${values.readOnly === true ? "read_only" : "idempotency_level = NO_SIDE_EFFECTS"}); ` +
        `a read-only tool changes nothing, so drop one of them`,
    );
  }
  return {
    ...(values.title === "" ? {} : { title: values.title }),
    ...(readOnly === undefined ? {} : { readOnlyHint: readOnly }),
    ...(values.destructive === undefined ? {} : { destructiveHint: values.destructive }),
    ...(idempotent === undefined ? {} : { idempotentHint: idempotent }),
    ...(values.openWorld === undefined ? {} : { openWorldHint: values.openWorld }),
  };
}

/** The schema of a request or response, which MCP needs to be a JSON object. */
function objectSchemaOf(method: DescMethod, message: DescMessage, role: string): JsonSchemaObject {
  const schema = messageJsonSchema(message);
  if (schema["type"] !== "object") {
    throw new Error(
      `method ${method.parent.typeName}.${method.name}: its ${role} ${message.typeName} is not a JSON object in proto3 JSON, ` +
        `but an MCP tool's arguments and result must be; wrap it in a message to use option (${TOOL_OPTION})`,
    );
  }
  return schema as JsonSchemaObject;
}
