import { TaskState, type StreamResponse } from "@a2a-js/sdk";
import { MemoryRegistry, type Service } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./support/eventually.js";
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
  // Keep-alive comments every 20 ms, so that the SSE test sees some without waiting long.
  running = await startGateway(registry, { keepAliveMs: 20 });
});
afterAll(async () => {
  await running?.stop();
  await service?.stop();
  await registry?.close();
});

function stateOf(event: StreamResponse | undefined): TaskState | undefined {
  const payload = event?.payload;
  if (payload?.$case === "task") return payload.value.status?.state;
  if (payload?.$case === "statusUpdate") return payload.value.status?.state;
  return undefined;
}

describe.each(BINDINGS)("streams through %s", (binding) => {
  it("cancels the agent's stream when the client drops it, and resubscribes to the task", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), binding);
    const controller = new AbortController();
    const endsBefore = agent.streamEnds.length;
    const stream = client.sendMessageStream(textMessage("wait"), { signal: controller.signal });
    const first = (await stream.next()).value as StreamResponse;
    expect(first.payload?.$case).toBe("task");
    const taskId = first.payload?.$case === "task" ? first.payload.value.id : "";
    expect(stateOf((await stream.next()).value as StreamResponse)).toBe(TaskState.TASK_STATE_WORKING);
    controller.abort();
    await stream.return(undefined).catch(() => undefined);
    // The gateway cancels the gRPC stream: the agent's handler ends with its signal aborted.
    await eventually("the agent's streaming handler ended", () => agent.streamEnds.length > endsBefore);
    expect(agent.streamEnds.at(-1)).toBe(true);

    const resubscribed = client.resubscribeTask({ tenant: "", id: taskId });
    const snapshot = (await resubscribed.next()).value as StreamResponse;
    expect(snapshot.payload?.$case === "task" && snapshot.payload.value.id).toBe(taskId);
    expect(stateOf(snapshot)).toBe(TaskState.TASK_STATE_WORKING);
    await client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    const rest: StreamResponse[] = [];
    for (let next = await resubscribed.next(); next.done !== true; next = await resubscribed.next()) rest.push(next.value);
    expect(rest.map(stateOf)).toEqual([TaskState.TASK_STATE_CANCELED]);
  });
});

describe("the SSE response", () => {
  it("has the event-stream headers, keep-alive comments while the task is quiet, and one JSON object per event", async () => {
    const client = await sdkClient(running.agentUrl(AGENT), "HTTP+JSON");
    const task = (await client.sendMessage(textMessage("wait"))) as { id: string };
    const controller = new AbortController();
    const response = await fetch(`${running.origin}/a2a/${AGENT}/rest/tasks/${task.id}:subscribe`, {
      method: "POST",
      headers: { "a2a-version": "1.0", accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toContain("no-cache");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes(": keep-alive")) text += (await reader.read()).value ?? "";
    const firstEvent = text.split("\n\n")[0] ?? "";
    expect(firstEvent.startsWith("data: ")).toBe(true);
    expect(JSON.parse(firstEvent.slice("data: ".length))).toMatchObject({ task: { id: task.id, status: { state: "TASK_STATE_SUBMITTED" } } });
    controller.abort();
    await client.cancelTask({ tenant: "", id: task.id, metadata: undefined });
  });

  it("answers a JSON-RPC stream with one JSON-RPC response per event, carrying the request's id", async () => {
    const response = await fetch(`${running.origin}/a2a/${AGENT}`, {
      method: "POST",
      headers: { "a2a-version": "1.0", "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: "s-1", method: "SendStreamingMessage", params: { message: { messageId: "m-1", role: "ROLE_USER", parts: [{ text: "raw" }] } } }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = (await response.text())
      .split("\n\n")
      .filter((chunk) => chunk.startsWith("data: "))
      .map((chunk) => JSON.parse(chunk.slice("data: ".length)) as { jsonrpc: string; id: string; result: Record<string, unknown> });
    expect(events.map((event) => [event.jsonrpc, event.id, Object.keys(event.result)[0]])).toEqual([
      ["2.0", "s-1", "task"],
      ["2.0", "s-1", "statusUpdate"],
      ["2.0", "s-1", "artifactUpdate"],
      ["2.0", "s-1", "statusUpdate"],
    ]);
  });
});
