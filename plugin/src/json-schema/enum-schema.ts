import type { DescEnum } from "@bufbuild/protobuf";
import { schemaComment, withDescription, type JsonSchema } from "./json-schema.js";

/**
 * An enum as proto3 JSON writes it: the value's name. Parsers also accept the
 * number; the schema offers names only, which say what they mean to a model
 * and are what servers write back. `google.protobuf.NullValue` is JSON null.
 * Values' comments are listed in the description.
 */
export function enumSchema(desc: DescEnum): JsonSchema {
  if (desc.typeName === "google.protobuf.NullValue") {
    return { type: "null" };
  }
  const valueDocs = desc.values
    .map((value) => [value.name, schemaComment(value)] as const)
    .filter(([, comment]) => comment !== "")
    .map(([name, comment]) => `- ${name}: ${comment.replace(/\n/g, " ")}`);
  const description = [schemaComment(desc), valueDocs.join("\n")].filter((part) => part !== "").join("\n\n");
  return withDescription({ type: "string", enum: desc.values.map((value) => value.name) }, description);
}
