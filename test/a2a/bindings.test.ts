import { MemoryRegistry, type Service } from "@kled/runtime";
import { TaskState, type StreamResponse } from "@a2a-js/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BINDINGS, sdkClient, startGateway, textMessage, type RunningGateway } from "./support/gateway.js";
import { startTestAgent, type TestAgent } from "./support/test-agent.js";

const AGENT = "kled.echo-agent";

let registry: MemoryRegistry;
let service: Service;
let agent: TestAgent;
let running: RunningGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  ({ service, agent } = await startTestAgent(registry, AGENT));
  running = await startGateway(registry);
});
afterAll(async () => {
  await running?.stop();
  await service?.stop();
  await registry?.close();
});

describe("the agent card", () => {
  it("lists the gateway's JSON-RPC and HTTP+JSON interfaces first, then the agent's own gRPC one", async () => {
    const response = await fetch(`${running.agentUrl(AGENT)}.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const card = (await response.json()) as Record<string, unknown>;
    const base = `${running.origin}/a2a/${AGENT}`;
    expect(card["supportedInterfaces"]).toEqual([
      { url: base, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url: `${base}/rest`, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      { url: service.address, protocolBinding: "GRPC", protocolVersion: "1.0" },
    ]);
    expect(card).toMatchObject({ name: "Echo agent", version: "1.2.3", securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } } });
  });

  it("answers a repeated request carrying the ETag with 304", async () => {
    const url = `${running.agentUrl(AGENT)}.well-known/agent-card.json`;
    const etag = (await fetch(url)).headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const again = await fetch(url, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("is the root card while this agent is the only one", async () => {
    const response = await fetch(`${running.origin}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe("Echo agent");
  });
});

describe.each(BINDINGS)("through %s", (binding) => {
  it("picks the binding from the card", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding);
    expect(client.protocolVersion).toBe("1.0");
    // The SDK's transport names the binding it chose.
    expect((client as unknown as { transport: { protocolName: string } }).transport.protocolName).toBe(binding);
  });

  it("sends a message and gets the completed task, then gets and lists it", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding);
    const result = await client.sendMessage(textMessage(`hello over ${binding}`));
    expect("status" in result).toBe(true);
    const task = result as Extract<typeof result, { status: unknown }>;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts[0]?.parts[0]?.content).toEqual({ $case: "text", value: `hello over ${binding}` });

    const fetched = await client.getTask({ tenant: "", id: task.id, historyLength: 5 });
    expect(fetched.id).toBe(task.id);
    expect(fetched.status?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const listed = await client.listTasks({
      tenant: "",
      contextId: task.contextId,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageSize: 10,
      pageToken: "",
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(listed.tasks.map((entry) => entry.id)).toEqual([task.id]);
    expect(listed.totalSize).toBe(1);
  });

  it("answers a message-only reply as a Message", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding);
    const result = await client.sendMessage(textMessage("reply: pong"));
    expect("parts" in result && result.parts[0]?.content).toEqual({ $case: "text", value: "pong" });
  });

  it("streams a task to completion, in order", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding);
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(textMessage("streamed"))) events.push(event);
    expect(events.map((event) => event.payload?.$case)).toEqual(["task", "statusUpdate", "artifactUpdate", "statusUpdate"]);
    const last = events.at(-1)?.payload;
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("cancels a working task", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding);
    const started = await client.sendMessage(textMessage("wait"));
    const id = (started as { id: string }).id;
    const canceled = await client.cancelTask({ tenant: "", id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it("forwards the caller's Authorization header to the agent as metadata", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding, { authorization: `Bearer token-${binding}` });
    const before = agent.authorizations.length;
    await client.sendMessage(textMessage("reply: with credentials"));
    expect(agent.authorizations.slice(before)).toEqual([`Bearer token-${binding}`]);
  });
});
