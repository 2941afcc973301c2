import {
  ExtendedAgentCardNotConfiguredError,
  PushNotificationNotSupportedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import type { Client, Transport } from "@a2a-js/sdk/client";
import { MemoryRegistry, type Service } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BINDINGS, sdkClient, startGateway, textMessage, type RunningGateway } from "./support/gateway.js";
import { startTestAgent } from "./support/test-agent.js";

const AGENT = "kled.echo-agent";

let registry: MemoryRegistry;
let service: Service;
let running: RunningGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  ({ service } = await startTestAgent(registry, AGENT));
  running = await startGateway(registry, { maxRequestBodyBytes: 4096 });
});
afterAll(async () => {
  await running?.stop();
  await service?.stop();
  await registry?.close();
});

/** What the SDK's Client adds to every request, for calls made on its transport directly. */
const V1 = { serviceParameters: { "A2A-Version": "1.0" } };

function transportOf(client: Client): Transport {
  return (client as unknown as { transport: Transport }).transport;
}

async function drain(stream: AsyncGenerator<unknown>): Promise<void> {
  for await (const _event of stream);
}

describe.each(BINDINGS)("A2A errors through %s, as the SDK raises them", (binding) => {
  let client: Client;
  beforeAll(async () => {
    client = await sdkClient(running.agentUrl(AGENT), binding);
  });

  it("an unknown task is TaskNotFoundError", async () => {
    await expect(client.getTask({ tenant: "", id: "no-such-task", historyLength: undefined })).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(client.cancelTask({ tenant: "", id: "no-such-task", metadata: undefined })).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(client.sendMessage(textMessage("more", { taskId: "no-such-task" }))).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it("subscribing to an unknown task is TaskNotFoundError, before any event", async () => {
    await expect(drain(client.resubscribeTask({ tenant: "", id: "no-such-task" }))).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it("canceling a completed task is TaskNotCancelableError, and subscribing to it UnsupportedOperationError", async () => {
    const task = (await client.sendMessage(textMessage("done soon"))) as { id: string };
    await expect(client.cancelTask({ tenant: "", id: task.id, metadata: undefined })).rejects.toBeInstanceOf(TaskNotCancelableError);
    await expect(drain(client.resubscribeTask({ tenant: "", id: task.id }))).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it("push configs of an agent without push are PushNotificationNotSupportedError, on all four methods", async () => {
    // The Client refuses by itself when the card says no push; its transport asks the agent.
    const transport = transportOf(client);
    const config = { tenant: "", id: "", taskId: "some-task", url: "https://example.com/hook", token: "", authentication: undefined };
    const named = { tenant: "", taskId: "some-task", id: "config-1" };
    await expect(transport.createTaskPushNotificationConfig(config, V1)).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    await expect(transport.getTaskPushNotificationConfig(named, V1)).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    await expect(transport.listTaskPushNotificationConfig({ tenant: "", taskId: "some-task", pageSize: 0, pageToken: "" }, V1)).rejects.toBeInstanceOf(
      PushNotificationNotSupportedError,
    );
    await expect(transport.deleteTaskPushNotificationConfig(named, V1)).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
  });

  it("a bare FAILED_PRECONDITION from GetExtendedAgentCard is ExtendedAgentCardNotConfiguredError", async () => {
    // Client.getAgentCard asks only when the card announces an extended card; the transport asks anyway.
    await expect(transportOf(client).getExtendedAgentCard({ tenant: "" }, V1)).rejects.toBeInstanceOf(ExtendedAgentCardNotConfiguredError);
  });

  it("a stream that fails after its first event ends with the agent's message", async () => {
    const events: unknown[] = [];
    const consume = async () => {
      for await (const event of client.sendMessageStream(textMessage("break"))) events.push(event);
    };
    await expect(consume()).rejects.toSatisfy((error: Error) => `${error.message} ${String((error.cause as Error | undefined)?.message)}`.includes("the agent lost its worker"));
    expect(events).toHaveLength(1);
  });
});

describe("JSON-RPC protocol errors", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${running.origin}/a2a/${AGENT}`, { method: "POST", headers: { "content-type": "application/json", "a2a-version": "1.0", ...headers }, body });

  it("malformed JSON is -32700 with id null", async () => {
    const response = await post("{not json");
    expect(await response.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
  });

  it("an unknown method is -32601, with the request's id", async () => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "message/send", params: {} }));
    const body = (await response.json()) as { id: number; error: { code: number; message: string } };
    expect(body).toMatchObject({ id: 7, error: { code: -32601 } });
    expect(body.error.message).toContain("SendMessage");
  });

  it("a request that is not a JSON-RPC request object is -32600", async () => {
    for (const body of ['[{"jsonrpc":"2.0","id":1,"method":"GetTask"}]', '{"jsonrpc":"1.0","id":1,"method":"GetTask"}', '{"jsonrpc":"2.0","method":"GetTask"}']) {
      expect(await (await post(body)).json()).toMatchObject({ error: { code: -32600 } });
    }
  });

  it("params with a field the request message does not have are -32602 naming it", async () => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: "a", method: "GetTask", params: { id: "x", colour: "red" } }));
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain("colour");
  });

  it("an unsupported A2A-Version is VersionNotSupportedError (-32009), and so is none (0.3 by the specification)", async () => {
    const request = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } });
    for (const headers of [{ "a2a-version": "0.3" }, { "a2a-version": "2.0" }, { "a2a-version": "" }]) {
      const body = (await (await post(request, headers)).json()) as { error: { code: number; message: string; data: Array<Record<string, unknown>> } };
      expect(body.error.code).toBe(-32009);
      expect(body.error.message).toContain("A2A-Version: 1.0");
      expect(body.error.data[0]).toMatchObject({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "VERSION_NOT_SUPPORTED", domain: "a2a-protocol.org" });
    }
    // A patch number is ignored.
    expect(await (await post(request, { "a2a-version": "1.0.1" })).json()).toMatchObject({ error: { code: -32001 } });
  });

  it("a body over the limit is refused with 413", async () => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "SendMessage", params: { metadata: { pad: "x".repeat(8192) } } }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: -32600 } });
  });

  it("a page from another origin is refused with 403", async () => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } }), { origin: "https://evil.example" });
    expect(response.status).toBe(403);
  });

  it("an agent the registry does not have is 404", async () => {
    const response = await fetch(`${running.origin}/a2a/nobody`, { method: "POST", headers: { "a2a-version": "1.0" }, body: "{}" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(AGENT);
  });
});

describe("HTTP+JSON protocol errors", () => {
  const rest = `/a2a/${AGENT}/rest`;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${running.origin}${rest}${path}`, { ...init, headers: { "a2a-version": "1.0", ...(init.headers as Record<string, string> | undefined) } });

  it("errors are google.rpc.Status JSON with the HTTP status of section 5.4", async () => {
    const response = await call("/tasks/no-such-task");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 404, status: "NOT_FOUND", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org", metadata: { taskId: "no-such-task" } }] },
    });
  });

  it("malformed JSON is 400 INVALID_ARGUMENT", async () => {
    const response = await call("/message:send", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });

  it("an unknown query parameter is 400 naming it; the A2A-Version parameter is accepted", async () => {
    const unknown = await call("/tasks?colour=red");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain("colour");
    const versioned = await fetch(`${running.origin}${rest}/tasks?A2A-Version=1.0&pageSize=1&includeArtifacts=false`);
    expect(versioned.status).toBe(200);
  });

  it("query values are typed by the request message: enums by name, numbers in decimal, booleans as true/false", async () => {
    expect((await call("/tasks?status=TASK_STATE_COMPLETED&pageSize=2&includeArtifacts=true")).status).toBe(200);
    for (const [query, named] of [
      ["status=DONE", "status"],
      ["pageSize=many", "page_size"],
      ["includeArtifacts=yes", "includeArtifacts"],
    ] as const) {
      const response = await call(`/tasks?${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(named);
    }
  });

  it("an unsupported A2A-Version is 400 with ErrorInfo VERSION_NOT_SUPPORTED", async () => {
    const response = await call("/tasks", { headers: { "a2a-version": "0.3" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { status: "FAILED_PRECONDITION", details: [{ reason: "VERSION_NOT_SUPPORTED" }] } });
  });

  it("an unknown route is 404 and a known one with the wrong method 405", async () => {
    expect((await call("/nothing/here")).status).toBe(404);
    const wrongMethod = await call("/message:send");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });
});
