import type { JsonObject } from "@bufbuild/protobuf";
import { TOOL_ENDPOINT_METADATA_KEY } from "../definition/tool.js";
import type { ServiceRecord } from "../registry/registry.js";

/** A proto method the registry says is an MCP tool. */
export interface ProtoTool {
  /** The registered service name the call goes to. */
  readonly service: string;
  /** The version of the record it was read from: descriptors are cached per service version. */
  readonly version: string;
  /** The gRPC path, `/pkg.Service/Method`. */
  readonly path: string;
  /** MCP's Tool JSON as the record has it. */
  readonly tool: JsonObject;
}

/**
 * The proto tools of one service's records: those with live nodes, newest
 * record first (the registry's order), a tool name listed by two versions
 * taken from the first. A tool whose JSON does not parse or has no name is
 * skipped, with `onInvalid` told why.
 */
export function protoToolsOf(records: readonly ServiceRecord[], onInvalid: (problem: string) => void): ProtoTool[] {
  const tools = new Map<string, ProtoTool>();
  for (const record of records) {
    if (record.nodes.length === 0) continue;
    for (const endpoint of record.endpoints) {
      const text = endpoint.metadata[TOOL_ENDPOINT_METADATA_KEY];
      if (text === undefined) continue;
      const tool = parseTool(text);
      if (tool === undefined) {
        onInvalid(`service "${record.name}" ${record.version}: endpoint ${endpoint.name} has an "${TOOL_ENDPOINT_METADATA_KEY}" that is not a Tool object with a name: ${text.slice(0, 80)}`);
        continue;
      }
      const name = tool["name"] as string;
      if (!tools.has(name)) tools.set(name, { service: record.name, version: record.version, path: endpoint.name, tool });
    }
  }
  return [...tools.values()];
}

function parseTool(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const tool = value as JsonObject;
    return typeof tool["name"] === "string" && tool["name"] !== "" ? tool : undefined;
  } catch {
    return undefined;
  }
}
