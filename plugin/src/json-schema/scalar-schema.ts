import { ScalarType } from "@bufbuild/protobuf";
import type { JsonSchema } from "./json-schema.js";

/**
 * 64-bit integers: proto3 JSON writes them as decimal strings (a JSON number
 * cannot hold them exactly) and parsers accept a string or a number, so the
 * schema accepts both. The pattern applies to the string form only.
 */
const SIGNED_64: JsonSchema = { type: ["integer", "string"], pattern: "^-?[0-9]+$" };
const UNSIGNED_64: JsonSchema = { type: ["integer", "string"], pattern: "^[0-9]+$", minimum: 0 };

/** proto3 JSON writes non-finite floating point values as these strings. */
const FLOAT: JsonSchema = { anyOf: [{ type: "number" }, { enum: ["NaN", "Infinity", "-Infinity"] }] };

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

/**
 * The schema of a scalar as proto3 JSON writes it. Parsers also accept
 * numeric strings for 32-bit integers and floats; the schema leaves those out
 * so that clients send what servers write.
 */
export function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return FLOAT;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return SIGNED_64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UNSIGNED_64;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", minimum: INT32_MIN, maximum: INT32_MAX };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", minimum: 0, maximum: UINT32_MAX };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      // Standard base64 with padding as written; parsers also take URL-safe.
      return { type: "string", contentEncoding: "base64" };
  }
}

/**
 * The `propertyNames` of a map's JSON object: keys are strings, so integer
 * and bool keys are written as their decimal or "true"/"false" text.
 * Undefined for string keys, which need no constraint.
 */
export function mapKeySchema(key: ScalarType): JsonSchema | undefined {
  switch (key) {
    case ScalarType.STRING:
      return undefined;
    case ScalarType.BOOL:
      return { enum: ["true", "false"] };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { pattern: "^[0-9]+$" };
    default:
      return { pattern: "^-?[0-9]+$" };
  }
}
