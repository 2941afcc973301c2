import { KledServer, silentLogger, TOOL_ENDPOINT_METADATA_KEY, type Registry, type ServiceRecord } from "@kled/runtime";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

/**
 * The Echo method as a proto tool, the record written by hand the way
 * protoc-gen-kled and the service's endpoints write it: the endpoint's
 * metadata "mcp.tool" holds JSON.stringify of the MCP Tool.
 */
export const ECHO_TOOL = {
  name: "echo",
  title: "Echo",
  description: "Echo answers with the request's text.",
  annotations: { readOnlyHint: true },
  inputSchema: {
    type: "object",
    properties: { text: { type: "string" }, delayMs: { type: "integer", minimum: 0 }, failCode: { type: "integer", minimum: 0 } },
  },
  outputSchema: {
    type: "object",
    properties: { text: { type: "string" }, metadata: { type: "object", additionalProperties: { type: "string" } } },
  },
};

export interface ProtoToolBackend {
  server: KledServer;
  handler: EchoHandler;
  record: ServiceRecord;
  stop(): Promise<void>;
}

/** An Echo server on loopback (reflection on, as every Kled server) registered as `name` with Echo marked as a tool. */
export async function startProtoToolBackend(registry: Registry, name: string, version = "1.0.0"): Promise<ProtoToolBackend> {
  const server = new KledServer({ logger: silentLogger });
  const handler = new EchoHandler();
  registerEchoServiceHandler(server, handler);
  const address = await server.listen("127.0.0.1:0");
  const record: ServiceRecord = {
    name,
    version,
    metadata: {},
    endpoints: [
      {
        name: "/kled.test.v1.EchoService/Echo",
        request: "kled.test.v1.EchoRequest",
        response: "kled.test.v1.EchoResponse",
        metadata: { kind: "unary", idempotency: "no-side-effects", [TOOL_ENDPOINT_METADATA_KEY]: JSON.stringify(ECHO_TOOL) },
      },
      {
        name: "/kled.test.v1.EchoService/Count",
        request: "kled.test.v1.CountRequest",
        response: "kled.test.v1.CountResponse",
        metadata: { kind: "server_streaming", idempotency: "unknown" },
      },
    ],
    nodes: [{ id: `${name}-${address}`, address, metadata: {} }],
  };
  await registry.register(record);
  return {
    server,
    handler,
    record,
    stop: async () => {
      await registry.deregister(record);
      await server.shutdown(0);
    },
  };
}
