import type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import type { ToolAnnotationsSchema } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { type ArgumentsOf, inputSchema, type Params, readArguments } from "./params.js";

/** What a running tool can reach besides its arguments. */
export interface ToolRunContext {
  /** Aborted when the caller cancels or its deadline passes; long tools must stop. */
  readonly signal: AbortSignal;
  /** Reports progress; CallToolStream streams it, CallTool drops it. */
  progress(progress: number, total: number, message: string): void;
}

/**
 * How a tool call ended. A failure is the tool's own ("cannot divide by
 * zero"): MCP reports it inside the result with `is_error` so the model can
 * read it, while bad arguments are protocol errors thrown as INVALID_ARGUMENT.
 *
 * Convention of this service: structured content is `{ result, ...details }`
 * where `result` is the tool's main value, so results chain from one call
 * into the next.
 */
export type ToolOutcome =
  | { ok: true; result: JsonValue; details?: JsonObject }
  | { ok: false; error: string };

/** A tool whose arguments are already checked; what the registry holds. */
export interface Tool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonObject;
  readonly outputSchema: JsonObject;
  readonly annotations: MessageInitShape<typeof ToolAnnotationsSchema>;
  /** Checks the arguments (throws INVALID_ARGUMENT) and returns the call to run. */
  prepare(args: JsonObject): (context: ToolRunContext) => ToolOutcome | Promise<ToolOutcome>;
}

/** How to declare a tool: typed parameters and a run function over them. */
export interface ToolSpec<P extends Params> {
  name: string;
  title: string;
  description: string;
  params: P;
  /** JSON Schema of `result` in the structured content. */
  result: JsonObject;
  /** JSON Schemas of the other structured content properties, if any. */
  details?: JsonObject;
  annotations: { readOnlyHint: boolean; idempotentHint: boolean; destructiveHint?: boolean };
  run(args: ArgumentsOf<P>, context: ToolRunContext): ToolOutcome | Promise<ToolOutcome>;
}

/** Builds a {@link Tool} whose schemas and argument checks both come from `spec.params`. */
export function defineTool<P extends Params>(spec: ToolSpec<P>): Tool {
  const details = spec.details ?? {};
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: inputSchema(spec.params),
    outputSchema: {
      type: "object",
      properties: { result: spec.result, ...details },
      required: ["result", ...Object.keys(details)],
      additionalProperties: false,
    },
    annotations: {
      title: spec.title,
      readOnlyHint: spec.annotations.readOnlyHint,
      idempotentHint: spec.annotations.idempotentHint,
      ...(spec.annotations.destructiveHint === undefined ? {} : { destructiveHint: spec.annotations.destructiveHint }),
      // Every tool here works on this process's memory only.
      openWorldHint: false,
    },
    prepare(args) {
      const checked = readArguments(spec.name, spec.params, args);
      return (context) => spec.run(checked, context);
    },
  };
}

/** A successful outcome. */
export function succeed(result: JsonValue, details?: JsonObject): ToolOutcome {
  return details === undefined ? { ok: true, result } : { ok: true, result, details };
}

/** A tool failure reported to the model inside the result. */
export function fail(error: string): ToolOutcome {
  return { ok: false, error };
}
