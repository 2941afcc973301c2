import type { DescEnum, DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { enumSchema } from "./enum-schema.js";
import { schemaComment, withDescription, type JsonSchema } from "./json-schema.js";
import { mapKeySchema, scalarSchema } from "./scalar-schema.js";
import { fieldType, sharedTypes } from "./shared-types.js";
import { wellKnownSchema } from "./well-known-schema.js";

/**
 * The JSON Schema (2020-12) of a message's proto3 JSON, as one self-contained
 * document: types used more than once or recursively sit in `$defs`, keyed by
 * their full proto name. `$schema` is left out: MCP reads a schema without it
 * as 2020-12, and the draft-07 validators of older MCP clients fail on a
 * `$schema` they do not know. The schema uses nothing those validators read
 * differently.
 */
export function messageJsonSchema(root: DescMessage): JsonSchema {
  const { defs } = sharedTypes(root);
  const written = new Map<string, JsonSchema>();

  const typeSchema = (desc: DescMessage | DescEnum): JsonSchema => {
    if (desc.typeName === root.typeName) {
      return { $ref: "#" };
    }
    if (!defs.has(desc.typeName)) {
      return inlineSchema(desc);
    }
    if (!written.has(desc.typeName)) {
      // Reserve the slot first: a recursive message meets itself while its
      // own schema is being built.
      written.set(desc.typeName, {});
      written.set(desc.typeName, inlineSchema(desc));
    }
    return { $ref: `#/$defs/${desc.typeName}` };
  };

  const inlineSchema = (desc: DescMessage | DescEnum): JsonSchema =>
    desc.kind === "enum" ? enumSchema(desc) : (wellKnownSchema(desc) ?? objectSchema(desc, fieldSchema));

  const fieldSchema = (field: DescField): JsonSchema => {
    const target = fieldType(field);
    const value = (): JsonSchema => {
      if (target !== undefined) {
        return typeSchema(target);
      }
      if (field.message !== undefined) {
        return wellKnownSchema(field.message) ?? {};
      }
      return field.scalar !== undefined ? scalarSchema(field.scalar) : {};
    };
    let schema: JsonSchema;
    switch (field.fieldKind) {
      case "list":
        schema = { type: "array", items: value() };
        break;
      case "map": {
        const keys = mapKeySchema(field.mapKey);
        schema = { type: "object", ...(keys === undefined ? {} : { propertyNames: keys }), additionalProperties: value() };
        break;
      }
      default:
        schema = value();
    }
    return describeField(field, schema);
  };

  const schema = wellKnownSchema(root) ?? objectSchema(root, fieldSchema);
  if (written.size === 0) {
    return schema;
  }
  return { ...schema, $defs: Object.fromEntries(written) };
}

/**
 * A message's JSON object: its fields by JSON name (lowerCamelCase unless
 * `json_name` says otherwise; parsers also accept the proto name), no others.
 * Only fields with explicit required presence (proto2 `required`, editions
 * LEGACY_REQUIRED) are `required`: every other field may be left out, and
 * means its default then.
 */
function objectSchema(message: DescMessage, fieldSchema: (field: DescField) => JsonSchema): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of message.fields) {
    properties[field.jsonName] = fieldSchema(field);
    if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) {
      required.push(field.jsonName);
    }
  }
  const oneofs = message.oneofs.filter((oneof) => oneof.fields.length > 1).map(atMostOne);
  return withDescription(
    {
      type: "object",
      properties,
      ...(required.length > 0 ? { required } : {}),
      ...(oneofs.length === 1 ? oneofs[0] : oneofs.length > 1 ? { allOf: oneofs } : {}),
      additionalProperties: false,
    },
    schemaComment(message),
  );
}

/**
 * At most one member of a oneof is set: exactly one branch matches when one
 * member is present (its `required` branch) or none is (the last branch),
 * and two branches match, which `oneOf` refuses, when several are.
 */
function atMostOne(oneof: DescOneof): JsonSchema {
  const names = oneof.fields.map((field) => field.jsonName);
  return {
    oneOf: [
      ...names.map((name) => ({ required: [name] })),
      { properties: Object.fromEntries(names.map((name) => [name, false])) },
    ],
  };
}

/**
 * Adds the field's comment (before any description its type brings, which
 * says what the type is) and marks deprecated fields. A `$ref` keeps only the
 * field's comment: the referenced definition carries its own.
 */
function describeField(field: DescField, schema: JsonSchema): JsonSchema {
  const comment = schemaComment(field);
  const own = typeof schema["description"] === "string" && schema["$ref"] === undefined ? schema["description"] : "";
  const described = withDescription(schema, [comment, own].filter((part) => part !== "").join("\n\n"));
  return field.deprecated ? { ...described, deprecated: true } : described;
}
