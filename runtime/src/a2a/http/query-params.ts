import { ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { invalidParams } from "./binding-error.js";

/** Query parameters that are not request fields: A2A-Version may come as one (A2A 1.0 section 3.6.1). */
const NOT_FIELDS: ReadonlySet<string> = new Set(["a2a-version"]);

/**
 * The query string of a GET or DELETE as the ProtoJSON of `message` (A2A
 * 1.0 section 11.5): names in camelCase (the proto names are accepted too),
 * booleans as `true`/`false`, numbers in decimal, enums and timestamps as
 * their JSON strings, repeated fields by repeating the parameter or
 * separating values with commas. Anything else is invalid params, named.
 */
export function queryJson(message: DescMessage, query: URLSearchParams): JsonObject {
  const json: JsonObject = {};
  for (const key of new Set(query.keys())) {
    if (NOT_FIELDS.has(key.toLowerCase())) continue;
    const field = message.fields.find((candidate) => candidate.jsonName === key || candidate.name === key);
    if (field === undefined) {
      throw invalidParams(`unknown query parameter ${JSON.stringify(key)}; ${message.typeName} takes ${message.fields.map((f) => f.jsonName).join(", ")}`);
    }
    const values = query.getAll(key);
    if (field.fieldKind === "list") {
      json[field.jsonName] = values.flatMap((value) => value.split(",")).map((value) => scalarJson(field, key, value));
    } else if (values.length > 1) {
      throw invalidParams(`query parameter ${JSON.stringify(key)} is given ${values.length} times; it takes one value`);
    } else {
      json[field.jsonName] = scalarJson(field, key, values[0] as string);
    }
  }
  return json;
}

function scalarJson(field: DescField, key: string, value: string): JsonValue {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "map") throw invalidParams(`query parameter ${JSON.stringify(key)} is a map, which a query string cannot carry; use the JSON-RPC binding`);
  if (kind === "message") {
    // Timestamps, durations and wrappers have string forms in ProtoJSON; other messages fail in fromJson, named.
    return value;
  }
  if (kind === "enum") {
    // Checked here so that the error names the parameter, not only the enum type.
    const values = (field.enum?.values ?? []).map((entry) => entry.name);
    if (!values.includes(value)) throw invalidParams(`query parameter ${JSON.stringify(key)} must be one of ${values.join(", ")}, not ${JSON.stringify(value)}`);
    return value;
  }
  if (kind === "scalar" && field.scalar === ScalarType.BOOL) {
    if (value === "true") return true;
    if (value === "false") return false;
    throw invalidParams(`query parameter ${JSON.stringify(key)} must be true or false, not ${JSON.stringify(value)}`);
  }
  // Numbers stay strings: ProtoJSON accepts decimal strings for every integer type, and fromJson checks the range.
  return value;
}
