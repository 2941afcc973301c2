import { MemoryRegistry, type Service } from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_LINES, connect, startGateway, startMcpBackend } from "./support.js";

let registry: MemoryRegistry;
let backend: Service;
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  backend = await startMcpBackend(registry, "kled.mcp.tools");
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await backend?.stop();
  await registry.close();
});

describe.each(CLIENT_LINES)("resources, prompts and completion through the gateway (%s)", (line) => {
  it("lists resources and templates and reads one of each", async () => {
    const client = await connect(line, gateway.url);
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain("kled://stats");
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(["kv://{key}"]);
    const stats = await client.readResource({ uri: "kled://stats" });
    expect(stats.contents[0]).toMatchObject({ uri: "kled://stats", mimeType: "application/json", text: expect.any(String) });
    const key = `colour_${line.replace(/\W/g, "_")}`;
    const set = await client.callTool({ name: "kv_set", arguments: { key, value: "blue" } });
    expect(set["isError"]).toBeFalsy();
    const value = await client.readResource({ uri: `kv://${key}` });
    expect(value.contents[0]).toMatchObject({ uri: `kv://${key}`, text: expect.stringContaining("blue") });
    await expect(client.readResource({ uri: "nowhere://x" })).rejects.toThrow(/nowhere:\/\/x/);
    await client.close();
  });

  it("lists prompts, renders one with its messages in MCP's shape, and completes an argument", async () => {
    const client = await connect(line, gateway.url);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(expect.arrayContaining(["explain_calculation", "describe_value"]));
    const prompt = await client.getPrompt({ name: "describe_value", arguments: { key: "k" } });
    expect(prompt.messages).toEqual([
      { role: "user", content: { type: "text", text: expect.stringContaining('"k"') } },
      { role: "user", content: expect.objectContaining({ type: "resource_link", uri: "kv://k", name: "k" }) },
    ]);
    const completion = await client.complete({
      ref: { type: "ref/prompt", name: "explain_calculation" },
      argument: { name: "audience", value: "" },
    });
    expect(completion.completion.values.length).toBeGreaterThan(0);
    await client.close();
  });
});

describe.each(CLIENT_LINES)("a resource URI two MCP services both offer (%s)", (line) => {
  let shared: MemoryRegistry;
  let tools: Service;
  let other: Service;
  let both: McpGateway;
  beforeAll(async () => {
    shared = new MemoryRegistry();
    tools = await startMcpBackend(shared, "kled.mcp.tools");
    other = await startMcpBackend(shared, "kled.mcp.other");
    both = await startGateway(shared);
  });
  afterAll(async () => {
    await both?.stop();
    await tools?.stop();
    await other?.stop();
    await shared.close();
  });

  it("is exposed once per service, qualified, and each reads from its own service", async () => {
    const client = await connect(line, both.url);
    const { resources } = await client.listResources();
    const uris = resources.map((resource) => resource.uri);
    expect(uris).toEqual(expect.arrayContaining(["kled.mcp.tools+kled://stats", "kled.mcp.other+kled://stats"]));
    expect(uris).not.toContain("kled://stats");
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate).sort()).toEqual(["kled.mcp.other+kv://{key}", "kled.mcp.tools+kv://{key}"]);
    // The tools collide too, so they are namespaced the same way: set the key on one service only.
    const key = `shade_${line.replace(/\W/g, "_")}`;
    const set = await client.callTool({ name: "kled.mcp.other__kv_set", arguments: { key, value: "green" } });
    expect(set["isError"]).toBeFalsy();
    const read = await client.readResource({ uri: `kled.mcp.other+kv://${key}` });
    expect(read.contents[0]).toMatchObject({ uri: `kled.mcp.other+kv://${key}`, text: expect.stringContaining("green") });
    await expect(client.readResource({ uri: `kled.mcp.tools+kv://${key}` })).rejects.toThrow(key);
    await expect(client.readResource({ uri: `kv://${key}` })).rejects.toThrow(/Resource not found/);
    await client.close();
  });
});
