import { MemoryRegistry, type Service } from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_LINES, connect, connectWithFacts, startGateway, startMcpBackend } from "./support.js";

let registry: MemoryRegistry;
let backends: Service[];
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  // Two instances of one MCP service, and a second service offering the same tools (names collide).
  backends = [
    await startMcpBackend(registry, "kled.mcp.tools"),
    await startMcpBackend(registry, "kled.mcp.tools"),
    await startMcpBackend(registry, "other.tools"),
  ];
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await Promise.all(backends.map((backend) => backend.stop()));
  await registry.close();
});

describe("protocol revisions on one endpoint", () => {
  it("serves @modelcontextprotocol/client 2.x on 2026-07-28 without a session", async () => {
    const { client, protocolVersion, sessionId } = await connectWithFacts("client-2.x", gateway.url);
    expect(protocolVersion).toBe("2026-07-28");
    expect(sessionId).toBeUndefined();
    await client.close();
  });

  it("serves @modelcontextprotocol/sdk 1.x on 2025-11-25 with a session", async () => {
    const { client, protocolVersion, sessionId } = await connectWithFacts("sdk-1.x", gateway.url);
    expect(protocolVersion).toBe("2025-11-25");
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await client.close();
  });
});

describe.each(CLIENT_LINES)("tools through the gateway (%s)", (line) => {
  it("lists the tools of both services, colliding names qualified by service", async () => {
    const client = await connect(line, gateway.url);
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toContain("kled.mcp.tools__add");
    expect(names).toContain("other.tools__add");
    expect(names).not.toContain("add");
    const add = tools.find((tool) => tool.name === "kled.mcp.tools__add");
    expect(add?.inputSchema).toMatchObject({ type: "object" });
    await client.close();
  });

  it("calls a tool and gets its structured content", async () => {
    const client = await connect(line, gateway.url);
    const result = await client.callTool({ name: "other.tools__add", arguments: { a: 2, b: 3 } });
    expect(result["isError"]).toBeFalsy();
    expect(result["structuredContent"]).toMatchObject({ result: 5 });
    expect(result["content"]).toEqual([{ type: "text", text: expect.stringContaining("5") }]);
    await client.close();
  });

  it("answers arguments the tool refuses with a tool error naming the argument", async () => {
    const client = await connect(line, gateway.url);
    const result = await client.callTool({ name: "other.tools__add", arguments: { a: "two", b: 3 } });
    expect(result["isError"]).toBe(true);
    const [content] = result["content"] as Array<{ text: string }>;
    expect(content?.text).toContain('argument "a"');
    expect(content?.text).toContain('"two"');
    await client.close();
  });

  it("refuses an unknown tool with a protocol error", async () => {
    const client = await connect(line, gateway.url);
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(/no_such_tool/);
    await client.close();
  });
});
