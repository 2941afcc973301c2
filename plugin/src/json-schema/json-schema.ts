import type { DescEnum, DescEnumValue, DescField, DescMessage } from "@bufbuild/protobuf";
import { protoComment } from "../jsdoc.js";

/**
 * A JSON Schema (2020-12) as the plain JSON object the plugin prints into
 * generated code. Mirrors `JsonSchemaObject` in @kled/runtime, which the
 * plugin does not depend on.
 * @internal
 */
export type JsonSchema = { [keyword: string]: unknown };

/** A schema whose instances are JSON objects: what MCP requires of a tool's input and output. */
export type JsonSchemaObject = JsonSchema & { type: "object" };

/**
 * `schema` that also accepts `null`. Adds "null" to `type` where the schema
 * names one, else adds a branch to `anyOf`, so the result stays as flat as
 * the input.
 */
export function nullable(schema: JsonSchema): JsonSchema {
  const { type, anyOf } = schema;
  if (typeof type === "string") {
    return { ...schema, type: [type, "null"] };
  }
  if (Array.isArray(type)) {
    return { ...schema, type: [...(type as unknown[]), "null"] };
  }
  if (Array.isArray(anyOf)) {
    return { ...schema, anyOf: [...(anyOf as unknown[]), { type: "null" }] };
  }
  return { anyOf: [schema, { type: "null" }] };
}

/** `schema` with `description` in place of any it had, unless `description` is empty. */
export function withDescription(schema: JsonSchema, description: string): JsonSchema {
  if (description === "") {
    return schema;
  }
  // After "type" (or first): a reader of the generated schema meets what a
  // value means before the details of its shape.
  const { type, description: _replaced, ...rest } = schema;
  return type === undefined ? { description, ...rest } : { type, description, ...rest };
}

/**
 * The proto comment of a descriptor, as a schema's description. The
 * well-known types' own comments are left out: they are written for proto
 * authors (how to use Empty in a service, say), not for a tool's caller.
 */
export function schemaComment(desc: DescMessage | DescEnum | DescField | DescEnumValue): string {
  const file = desc.kind === "field" || desc.kind === "enum_value" ? desc.parent.file : desc.file;
  return file.proto.package === "google.protobuf" ? "" : protoComment(desc);
}
