import {
  KledClient,
  MemoryRegistry,
  silentLogger,
  type AnyMessageInit,
  type CallOptions,
  type Client,
  type MethodCall,
  type Service,
} from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_TOOL, startProtoToolBackend, type ProtoToolBackend } from "./proto-support.js";
import { CLIENT_LINES, connect, startGateway, startMcpBackend } from "./support.js";

let registry: MemoryRegistry;
let mcpBackend: Service;
let echo: ProtoToolBackend;
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  mcpBackend = await startMcpBackend(registry, "kled.mcp.tools");
  echo = await startProtoToolBackend(registry, "echo");
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await echo?.stop();
  await mcpBackend?.stop();
  await registry.close();
});

describe.each(CLIENT_LINES)("proto methods as tools (%s)", (line) => {
  it("lists a proto tool beside the MCP backend's tools, with its schemas as the record has them", async () => {
    const client = await connect(line, gateway.url);
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toContain("add");
    expect(names).toContain("echo");
    // Only the method marked as a tool: the stream Count is not one.
    expect(names.filter((name) => /^(?:count|Count)$|EchoService/.test(name))).toEqual([]);
    const tool = tools.find((candidate) => candidate.name === "echo");
    expect(tool?.description).toBe(ECHO_TOOL.description);
    expect(tool?.inputSchema).toEqual(ECHO_TOOL.inputSchema);
    expect(tool?.outputSchema).toEqual(ECHO_TOOL.outputSchema);
    await client.close();
  });

  it("calls the method with the arguments as proto3 JSON and answers with the response's proto3 JSON", async () => {
    const client = await connect(line, gateway.url);
    const result = await client.callTool({ name: "echo", arguments: { text: `hello ${line}` } });
    expect(result["isError"]).toBeFalsy();
    expect(result["structuredContent"]).toMatchObject({ text: `hello ${line}` });
    const [content] = result["content"] as Array<{ type: string; text: string }>;
    expect(content?.type).toBe("text");
    expect(JSON.parse(content?.text ?? "")).toEqual(result["structuredContent"]);
    expect(echo.handler.calls.map((call) => call.label)).toContain(`hello ${line}`);
    await client.close();
  });

  it("answers arguments that do not fit the request with a tool error naming the field and the value", async () => {
    const client = await connect(line, gateway.url);
    const calls = echo.handler.calls.length;
    const result = await client.callTool({ name: "echo", arguments: { text: "x", delayMs: "soon" } });
    expect(result["isError"]).toBe(true);
    const [content] = result["content"] as Array<{ text: string }>;
    expect(content?.text).toContain("delay_ms");
    expect(content?.text).toContain('"soon"');
    const unknown = await client.callTool({ name: "echo", arguments: { txt: "x" } });
    expect(unknown["isError"]).toBe(true);
    expect((unknown["content"] as Array<{ text: string }>)[0]?.text).toContain('"txt"');
    // Refused before any call reached the backend.
    expect(echo.handler.calls.length).toBe(calls);
    // The gateway still serves.
    expect((await client.callTool({ name: "echo", arguments: { text: "after" } }))["isError"]).toBeFalsy();
    await client.close();
  });

  it("answers a failing method with a tool error carrying its gRPC code and message", async () => {
    const client = await connect(line, gateway.url);
    const result = await client.callTool({ name: "echo", arguments: { text: "nope", failCode: 5 } });
    expect(result["isError"]).toBe(true);
    expect((result["content"] as Array<{ text: string }>)[0]?.text).toMatch(/NOT_FOUND.*failed as asked: nope/);
    await client.close();
  });
});

describe("proto tools live", () => {
  it("a service registering with a tool appears, with namespacing where names collide, and its leaving removes it", async () => {
    const other = await startProtoToolBackend(registry, "echo.two", "2.0.0");
    try {
      await gateway.refresh();
      const client = await connect("client-2.x", gateway.url);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(["echo__echo", "echo.two__echo"]));
      expect(names).not.toContain("echo");
      const result = await client.callTool({ name: "echo.two__echo", arguments: { text: "two" } });
      expect(result["structuredContent"]).toMatchObject({ text: "two" });
      expect(other.handler.calls.map((call) => call.label)).toEqual(["two"]);
      await client.close();
    } finally {
      await other.stop();
    }
    await gateway.refresh();
    const client = await connect("sdk-1.x", gateway.url);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
    await client.close();
  });
});

describe("descriptors by reflection", () => {
  it("are read once per service version: again only when a new version takes over", async () => {
    const local = new MemoryRegistry();
    const client = new KledClient({ registry: local, logger: silentLogger });
    let reflections = 0;
    const counting: Client = {
      unary: (call, request, options) => client.unary(call, request, options),
      serverStream: (call, request, options) => client.serverStream(call, request, options),
      clientStream: (call, requests, options) => client.clientStream(call, requests, options),
      bidiStream: (call: MethodCall, requests: AsyncIterable<AnyMessageInit>, options?: CallOptions) => {
        if (call.method.path.includes("ServerReflection")) reflections++;
        return client.bidiStream(call, requests, options);
      },
      close: () => client.close(),
    };
    const v1 = await startProtoToolBackend(local, "echo", "1.0.0");
    const own = await startGateway(local, { client: counting });
    let v2: ProtoToolBackend | undefined;
    try {
      const mcp = await connect("client-2.x", own.url);
      for (const text of ["a", "b", "c"]) expect((await mcp.callTool({ name: "echo", arguments: { text } }))["isError"]).toBeFalsy();
      expect(reflections).toBe(1);
      v2 = await startProtoToolBackend(local, "echo", "2.0.0");
      await v1.stop();
      await own.refresh();
      for (const text of ["d", "e"]) expect((await mcp.callTool({ name: "echo", arguments: { text } }))["isError"]).toBeFalsy();
      expect(v2.handler.calls.map((call) => call.label)).toEqual(["d", "e"]);
      expect(reflections).toBe(2);
      await mcp.close();
    } finally {
      await own.stop();
      await v2?.stop();
      await v1.stop().catch(() => undefined);
      await client.close();
      await local.close();
    }
  });
});
