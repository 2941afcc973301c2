import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import type { CompleteRequest, CompleteResponseSchema } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import type { KvStore } from "./kv-store.js";
import type { Prompts } from "./prompts.js";
import { KV_URI_TEMPLATE } from "./resources.js";

/** MCP caps a completion at 100 values; `total` and `has_more` tell the rest. */
export const MAX_COMPLETION_VALUES = 100;

type CompleteResult = MessageInitShape<typeof CompleteResponseSchema>;

/**
 * Answers MCP "completion/complete": values of a prompt argument (audiences,
 * stored keys) or of the `key` variable of the `kv://{key}` template, that
 * start with what the user typed (ignoring case).
 */
export function complete(request: CompleteRequest, prompts: Prompts, store: KvStore): CompleteResult {
  const argument = request.argument;
  if (argument === undefined || argument.name === "") {
    throw new KledError(Code.InvalidArgument, "argument.name is empty; name the argument to complete");
  }
  let candidates: readonly string[];
  switch (request.ref.case) {
    case "prompt":
      candidates = prompts.candidates(request.ref.value.name, argument.name);
      break;
    case "resource": {
      const uri = request.ref.value.uri;
      if (uri !== KV_URI_TEMPLATE) {
        throw new KledError(Code.NotFound, `no resource template ${JSON.stringify(uri)}; this server has "${KV_URI_TEMPLATE}"`);
      }
      if (argument.name !== "key") {
        throw new KledError(Code.InvalidArgument, `resource template "${uri}" has no variable "${argument.name}"; it has "key"`);
      }
      candidates = store.keys();
      break;
    }
    case undefined:
      throw new KledError(Code.InvalidArgument, "ref is missing; set prompt or resource to say what to complete");
  }
  const prefix = argument.value.toLowerCase();
  const matches = candidates.filter((value) => value.toLowerCase().startsWith(prefix));
  return {
    completion: {
      values: matches.slice(0, MAX_COMPLETION_VALUES),
      total: matches.length,
      hasMore: matches.length > MAX_COMPLETION_VALUES,
    },
  };
}
