import type { DescMessage } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { nullable, type JsonSchema } from "./json-schema.js";
import { scalarSchema } from "./scalar-schema.js";

/**
 * Seconds with up to nine fractional digits and an "s" suffix. JSON Schema's
 * own "duration" format is ISO 8601 ("PT1.5S"), which proto3 JSON does not
 * use, hence a pattern.
 */
const DURATION: JsonSchema = {
  type: "string",
  pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
  description: 'A duration in seconds with an "s" suffix, e.g. "1.5s".',
};

/** RFC 3339 with a time zone, as "date-time" requires; servers write UTC ("Z"). */
const TIMESTAMP: JsonSchema = { type: "string", format: "date-time" };

const FIELD_MASK: JsonSchema = {
  type: "string",
  description: 'Field paths in lowerCamelCase, comma-separated, e.g. "name,price.amount".',
};

/**
 * Any: "@type" names the packed message (`type.googleapis.com/<full name>`),
 * then come its fields, or "value" for a well-known type. "@type" is not
 * required: an empty Any is written as {}.
 */
const ANY: JsonSchema = {
  type: "object",
  properties: { "@type": { type: "string" } },
  description: 'A message of any type: "@type" is "type.googleapis.com/" and its full name; its fields follow.',
};

/**
 * The schema of a well-known type whose proto3 JSON is not an object of its
 * fields, or undefined for any other message (Empty included: {} is what its
 * fields make).
 */
export function wellKnownSchema(message: DescMessage): JsonSchema | undefined {
  if (isWrapperDesc(message)) {
    const value = message.fields[0];
    return value?.fieldKind === "scalar" ? nullable(scalarSchema(value.scalar)) : undefined;
  }
  switch (message.typeName) {
    case "google.protobuf.Any":
      return ANY;
    case "google.protobuf.Duration":
      return DURATION;
    case "google.protobuf.Timestamp":
      return TIMESTAMP;
    case "google.protobuf.FieldMask":
      return FIELD_MASK;
    case "google.protobuf.Struct":
      return { type: "object" };
    case "google.protobuf.ListValue":
      return { type: "array" };
    case "google.protobuf.Value":
      // Any JSON value at all.
      return {};
    default:
      return undefined;
  }
}
