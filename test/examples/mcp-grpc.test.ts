import * as grpc from "@grpc/grpc-js";
import { Code, KledError } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMcpServiceClient, type McpServiceClient } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { McpService } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { MCP_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

let cluster: ExampleCluster;
let mcp: McpServiceClient;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: false });
  mcp = createMcpServiceClient(cluster.client, { service: MCP_SERVICE_NAME });
});
afterAll(() => cluster?.stop());

async function rejection(call: Promise<unknown>): Promise<KledError> {
  const error: unknown = await call.then(
    () => new Error("the call succeeded"),
    (e: unknown) => e,
  );
  if (!(error instanceof KledError)) throw error;
  return error;
}

describe("MCP service over gRPC", () => {
  it("initializes and pings", async () => {
    const init = await mcp.initialize({ protocolVersion: "2025-11-25", clientInfo: { name: "test", version: "1" } });
    expect(init.protocolVersion).toBe("2025-11-25");
    expect(init.serverInfo?.name).toBe("kled-mcp-tools");
    await mcp.ping({});
  });

  it("lists every tool across pages", async () => {
    const names: string[] = [];
    let cursor = "";
    do {
      const page = await mcp.listTools({ cursor });
      names.push(...page.tools.map((tool) => tool.name));
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(names).toHaveLength(11);
    expect(new Set(names).size).toBe(11);
    const bad = await rejection(mcp.listTools({ cursor: "not-a-cursor" }));
    expect(bad.code).toBe(Code.InvalidArgument);
  });

  it("calls tools; tool failures in the result, protocol errors as statuses", async () => {
    const sum = await mcp.callTool({ name: "multiply", arguments: { a: 6, b: 7 } });
    expect(sum.structuredContent).toEqual({ result: 42 });
    expect(sum.isError).toBe(false);
    const byZero = await mcp.callTool({ name: "divide", arguments: { a: 1, b: 0 } });
    expect(byZero.isError).toBe(true);
    expect(byZero.content[0]?.content.case).toBe("text");

    const unknown = await rejection(mcp.callTool({ name: "teleport" }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toMatch(/no tool named "teleport"/);
    const bad = await rejection(mcp.callTool({ name: "add", arguments: { a: "x", b: 1 } }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toBe('tool "add": argument "a" must be a finite number; got "x"');
  });

  it("streams progress, then one result", async () => {
    const events: string[] = [];
    for await (const message of mcp.callToolStream({ name: "countdown", arguments: { from: 3, interval_ms: 1 }, progressToken: "p1" })) {
      if (message.event.case === "progress") {
        expect(message.event.value.progressToken).toBe("p1");
        events.push(`progress ${message.event.value.progress} ${message.event.value.message ?? ""}`);
      } else if (message.event.case === "result") {
        events.push(`result ${JSON.stringify(message.event.value.structuredContent)}`);
      }
    }
    expect(events).toEqual([
      "progress 0 started countdown",
      "progress 1 3",
      "progress 2 2",
      "progress 3 1",
      "progress 4 0",
      'result {"result":"3 2 1 0"}',
    ]);
    const stream = mcp.callToolStream({ name: "add", arguments: { a: 1 } });
    const bad = await rejection((async () => { for await (const _ of stream) { /* drain */ } })());
    expect(bad.code).toBe(Code.InvalidArgument);
  });

  it("stops a streamed tool when the client cancels", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const consumed = (async () => {
      for await (const message of mcp.callToolStream(
        { name: "countdown", arguments: { from: 100, interval_ms: 1000 } },
        { signal: controller.signal },
      )) {
        if (message.event.case === "progress") seen.push(message.event.value.progress);
        if (seen.length === 2) controller.abort();
      }
    })();
    const error = await rejection(consumed);
    expect(error.code).toBe(Code.Canceled);
    expect(seen).toEqual([0, 1]);
    // The handler saw the cancellation and ended instead of counting down for 100 s.
    await vi.waitFor(() => expect(cluster.mcp[0]?.server.inFlight).toBe(0), { timeout: 5_000 });
  });

  it("answers malformed bytes on every method with INVALID_ARGUMENT, or UNAUTHENTICATED without a credential, and keeps serving", async () => {
    const address = cluster.mcp[0]?.address ?? "";
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const identity = (bytes: Buffer): Buffer => bytes;
    const garbage = Buffer.from([0xff, 0xff, 0xff]);
    const authorized = new grpc.Metadata();
    authorized.set("authorization", `Bearer ${await cluster.token("kled.test", ["tool-user"])}`);
    const send = (path: string, kind: string, metadata: grpc.Metadata) =>
      new Promise<grpc.ServiceError | undefined>((resolve) => {
        if (kind === "server_streaming") {
          const call = raw.makeServerStreamRequest(path, identity, identity, garbage, metadata);
          call.on("data", () => undefined);
          call.on("error", (error: grpc.ServiceError) => resolve(error));
          call.on("end", () => resolve(undefined));
        } else {
          raw.makeUnaryRequest(path, identity, identity, garbage, metadata, (error) => resolve(error ?? undefined));
        }
      });
    try {
      for (const method of McpService.methods) {
        const path = `/${McpService.typeName}/${method.name}`;
        const withCredential = await send(path, method.methodKind, authorized);
        expect({ path, code: withCredential?.code }).toEqual({ path, code: grpc.status.INVALID_ARGUMENT });
        // Authentication comes before decoding: a caller without a credential learns nothing of the message type.
        const anonymous = await send(path, method.methodKind, new grpc.Metadata());
        expect({ path, code: anonymous?.code }).toEqual({ path, code: grpc.status.UNAUTHENTICATED });
        expect(anonymous?.details).not.toMatch(/kled\.mcp\.v1\.\w+Request/);
      }
    } finally {
      raw.close();
    }
    expect(McpService.methods).toHaveLength(11);
    const after = await mcp.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    expect(after.structuredContent).toEqual({ result: 3 });
  });
});
