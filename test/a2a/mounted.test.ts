import { MemoryRegistry, type Service } from "@kled/runtime";
import { A2aGateway } from "@kled/runtime/a2a";
import { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkClient, textMessage } from "./support/gateway.js";
import { startTestAgent } from "./support/test-agent.js";

/** The composition `kled gateway` runs: the A2A gateway mounted on the MCP gateway's server through its generic httpHandlers. */
let registry: MemoryRegistry;
let service: Service;
let a2a: A2aGateway;
let mcp: McpGateway;
let origin: string;

beforeAll(async () => {
  registry = new MemoryRegistry();
  ({ service } = await startTestAgent(registry, "mounted.agent"));
  a2a = new A2aGateway({ registry });
  await a2a.start();
  mcp = new McpGateway({ registry, httpHandlers: [(request, response) => a2a.handle(request, response)] });
  await mcp.start();
  origin = new URL(mcp.url).origin;
});
afterAll(async () => {
  await mcp?.stop();
  await a2a?.stop();
  await service?.stop();
  await registry?.close();
});

describe("the A2A gateway on the MCP gateway's port", () => {
  it("serves the agent's card and its JSON-RPC binding beside /mcp", async () => {
    const card = (await (await fetch(`${origin}/a2a/mounted.agent/.well-known/agent-card.json`)).json()) as { supportedInterfaces: Array<{ url: string }> };
    expect(card.supportedInterfaces[0]?.url).toBe(`${origin}/a2a/mounted.agent`);
    const client = await sdkClient(`${origin}/a2a/mounted.agent/`, "JSONRPC");
    expect(await client.sendMessage(textMessage("reply: through the MCP gateway's server"))).toMatchObject({
      parts: [{ content: { $case: "text", value: "through the MCP gateway's server" } }],
    });
  });

  it("leaves every other path to the MCP gateway's own 404", async () => {
    const other = await fetch(`${origin}/elsewhere`);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain("the MCP endpoint is /mcp");
  });
});
