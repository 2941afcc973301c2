import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import type { InitializeRequest, InitializeResponseSchema } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";

/** MCP revisions this server speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25"] as const;

/** What the server tells clients about itself in Initialize. */
export interface ServerInfo {
  name: string;
  version: string;
  instructions: string;
}

/**
 * Answers MCP "initialize": the client's version when we support it,
 * otherwise our latest (MCP: the client then decides whether it can go on).
 */
export function initialize(request: InitializeRequest, info: ServerInfo): MessageInitShape<typeof InitializeResponseSchema> {
  if (request.protocolVersion === "") {
    throw new KledError(
      Code.InvalidArgument,
      `protocol_version is empty; send the latest MCP revision the client supports, e.g. "${SUPPORTED_PROTOCOL_VERSIONS[0]}"`,
    );
  }
  const supported = (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(request.protocolVersion);
  return {
    protocolVersion: supported ? request.protocolVersion : SUPPORTED_PROTOCOL_VERSIONS[0],
    capabilities: {
      tools: { listChanged: false },
      resources: { subscribe: false, listChanged: false },
      prompts: { listChanged: false },
      completions: {},
    },
    serverInfo: { name: info.name, version: info.version },
    instructions: info.instructions,
  };
}
