import { MemoryRegistry, type Service } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./support/eventually.js";
import { sdkClient, startGateway, textMessage, type RunningGateway } from "./support/gateway.js";
import { startTestAgent } from "./support/test-agent.js";

let registry: MemoryRegistry;
let running: RunningGateway;
const services: Service[] = [];

beforeAll(async () => {
  registry = new MemoryRegistry();
  running = await startGateway(registry);
});
afterAll(async () => {
  await running?.stop();
  await Promise.all(services.map((service) => service.stop()));
  await registry?.close();
});

const cardStatus = async (url: string) => (await fetch(url)).status;

describe("agents as they come and go", () => {
  it("serves no card while no agent is registered", async () => {
    const response = await fetch(`${running.origin}/.well-known/agent-card.json`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("no A2A agent");
    expect(await cardStatus(`${running.agentUrl("late.agent")}.well-known/agent-card.json`)).toBe(404);
  });

  it("serves an agent that registers later, and the root card names every agent once there are two", async () => {
    const late = await startTestAgent(registry, "late.agent");
    services.push(late.service);
    await eventually("the late agent's card", async () => (await cardStatus(`${running.agentUrl("late.agent")}.well-known/agent-card.json`)) === 200);
    const client = await sdkClient(running.agentUrl("late.agent"), "JSONRPC");
    expect(await client.sendMessage(textMessage("reply: here"))).toMatchObject({ parts: [{ content: { $case: "text", value: "here" } }] });

    const second = await startTestAgent(registry, "second.agent");
    services.push(second.service);
    await eventually("the second agent's card", async () => (await cardStatus(`${running.agentUrl("second.agent")}.well-known/agent-card.json`)) === 200);
    const root = await fetch(`${running.origin}/.well-known/agent-card.json`);
    expect(root.status).toBe(404);
    const { message } = ((await root.json()) as { error: { message: string } }).error;
    expect(message).toContain(`${running.agentUrl("late.agent")}.well-known/agent-card.json`);
    expect(message).toContain(`${running.agentUrl("second.agent")}.well-known/agent-card.json`);
    expect(running.gateway.agents).toEqual(["late.agent", "second.agent"]);
  });

  it("stops serving an agent that leaves", async () => {
    const leaving = services.shift() as Service;
    await leaving.stop();
    await eventually("the card of the agent that left to be gone", async () => (await cardStatus(`${running.agentUrl("late.agent")}.well-known/agent-card.json`)) === 404);
    const call = await fetch(`${running.origin}/a2a/late.agent`, {
      method: "POST",
      headers: { "a2a-version": "1.0", "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } }),
    });
    expect(call.status).toBe(404);
    // The one agent left is the root card again.
    expect(((await (await fetch(`${running.origin}/.well-known/agent-card.json`)).json()) as { name: string }).name).toBe("Echo agent");
  });
});
