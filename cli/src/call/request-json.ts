import { fromJson, type JsonValue, type Message } from "@bufbuild/protobuf";
import { messageOf } from "@kled/runtime";
import { usageError } from "../cli-error.js";
import { fullName, type ResolvedMethod } from "./resolve-method.js";

/**
 * Parses a JSON argument (`what`: the request of `kled call`, the message of
 * `kled publish`) before any network round trip; fails quoting the parser.
 */
export function parseRequestJson(text: string, what = "request"): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw usageError(`${what} ${JSON.stringify(abbreviate(text))} is not valid JSON: ${messageOf(error)}`);
  }
}

/**
 * The request message(s) of `resolved` from proto3 JSON. Methods with a
 * request stream take a JSON array (one element per message) or a single
 * object; the others take one object. protobuf-es names the bad field in its
 * errors; we add the method.
 */
export function requestMessages(resolved: ResolvedMethod, json: JsonValue): Message[] {
  const { method, registry } = resolved;
  const streaming = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
  const values = streaming && Array.isArray(json) ? json : [json];
  return values.map((value, i) => {
    try {
      return fromJson(method.input, value, { registry });
    } catch (error) {
      const which = values.length > 1 ? ` (message ${i + 1} of ${values.length})` : "";
      throw usageError(`request for ${fullName(resolved.service, method)}${which}: ${messageOf(error)}`, { cause: error });
    }
  });
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
