import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Role, TaskState, type SendMessageRequest, type StreamResponse, type Task } from "@a2a-js/sdk";
import { ClientFactory, JsonRpcTransportFactory, RestTransportFactory } from "@a2a-js/sdk/client";
import { NOTIFICATION_TOKEN_HEADER } from "@kled/runtime/a2a";
import { paint, say } from "./output.js";

/** The first turn leaves out where to store the result, so the agent asks (INPUT_REQUIRED). */
const FIRST_TURN = "add 2 and 3, then multiply by 4, store the result";
/** The second turn answers the agent's question on the same task. */
const SECOND_TURN = "product";
/** How long the webhook may take to receive the final notification, in milliseconds. */
const PUSH_TIMEOUT_MS = 10_000;

/**
 * Drives the agent the way any A2A 1.0 client does, with the stock
 * `@a2a-js/sdk` client and nothing of Kled's: resolves the card at the
 * gateway's per-agent URL, streams a task over JSON-RPC (SSE) until the
 * agent asks for input, answers on the same task, and receives the task's
 * updates as push notifications on a local webhook. Throws on any step that
 * fails, with what it got.
 */
export async function a2aTour(agentUrl: string, signal: AbortSignal): Promise<void> {
  const webhook = await startWebhook();
  try {
    const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory(), new RestTransportFactory()], preferredTransports: ["JSONRPC"] });
    const client = await factory.createFromUrl(agentUrl);
    const card = await client.getAgentCard({ signal });
    const bindings = card.supportedInterfaces.map((entry) => `${entry.protocolBinding} ${entry.url}`).join(", ");
    say(`A2A card of ${card.name} at ${agentUrl}.well-known/agent-card.json: ${paint("dim", bindings)}`);

    say(`@a2a-js/sdk (JSON-RPC, streaming) sends "${FIRST_TURN}", push notifications to ${webhook.url}:`);
    let task: Task | undefined;
    for await (const event of client.sendMessageStream(
      userMessage(FIRST_TURN, {}, { url: webhook.url, token: webhook.token }),
      { signal },
    )) {
      process.stdout.write(`${streamLine(event)}\n`);
      if (event.payload?.$case === "task") task = event.payload.value;
    }
    if (task === undefined) throw new Error("the A2A stream did not start with the task");
    const asked = await client.getTask({ tenant: "", id: task.id, historyLength: undefined }, { signal });
    if (asked.status?.state !== TaskState.TASK_STATE_INPUT_REQUIRED) {
      throw new Error(`the task is ${stateName(asked.status?.state)}, not INPUT_REQUIRED: the agent did not ask where to store the result`);
    }

    const answered = await client.sendMessage(userMessage(SECOND_TURN, { taskId: task.id, contextId: task.contextId }), { signal });
    if (!("status" in answered)) throw new Error("the follow-up message was answered without the task");
    const result = answered.artifacts.at(-1)?.parts.map((part) => (part.content?.$case === "text" ? part.content.value : "")).join(" ") ?? "";
    say(`answered "${SECOND_TURN}" on the same task → ${stateName(answered.status?.state)}, answer: ${paint("dim", result.trim().replaceAll("\n", "; "))}`);
    if (answered.status?.state !== TaskState.TASK_STATE_COMPLETED) throw new Error(`the task ended ${stateName(answered.status?.state)}, not COMPLETED`);

    const pushed = await webhook.waitForState("TASK_STATE_COMPLETED", AbortSignal.any([signal, AbortSignal.timeout(PUSH_TIMEOUT_MS)]));
    say(`the webhook received ${webhook.received()} push notifications with the task's ${NOTIFICATION_TOKEN_HEADER}; their states: ${paint("dim", pushed.join(" → "))}`);
  } finally {
    await webhook.close();
  }
}

/** A user's text message as the SDK's request type spells it, optionally continuing a task and asking for pushes. */
function userMessage(text: string, on: { taskId?: string; contextId?: string }, push?: { url: string; token: string }): SendMessageRequest {
  return {
    tenant: "",
    message: {
      messageId: randomUUID(),
      contextId: on.contextId ?? "",
      taskId: on.taskId ?? "",
      role: Role.ROLE_USER,
      parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" }],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig:
        push === undefined ? undefined : { tenant: "", id: "", taskId: "", url: push.url, token: push.token, authentication: undefined },
      returnImmediately: false,
    },
    metadata: undefined,
  };
}

/** One streamed event as a demo line. */
function streamLine(event: StreamResponse): string {
  const payload = event.payload;
  switch (payload?.$case) {
    case "task":
      return `    task ${payload.value.id} ${stateName(payload.value.status?.state)}`;
    case "statusUpdate": {
      const { status } = payload.value;
      const said = status?.message?.parts.map((part) => (part.content?.$case === "text" ? part.content.value : "")).join(" ") ?? "";
      return `    status ${stateName(status?.state)}${said === "" ? "" : paint("dim", ` "${said}"`)}`;
    }
    case "artifactUpdate":
      return `    artifact ${payload.value.artifact?.name ?? payload.value.artifact?.artifactId ?? "?"}`;
    default:
      return `    ${payload?.$case ?? "empty"} event`;
  }
}

function stateName(state: TaskState | undefined): string {
  return (TaskState[state ?? 0] ?? String(state)).replace(/^TASK_STATE_/, "");
}

/** A local webhook that records the task states it is pushed, checking the token. */
async function startWebhook() {
  const token = randomUUID();
  const states: string[] = [];
  let received = 0;
  const wrongTokens: string[] = [];
  const server = createServer(async (request, response) => {
    const body = JSON.parse(await text(request)) as { statusUpdate?: { status?: { state?: string } } };
    if (request.headers[NOTIFICATION_TOKEN_HEADER.toLowerCase()] !== token) wrongTokens.push(String(request.headers[NOTIFICATION_TOKEN_HEADER.toLowerCase()]));
    received += 1;
    const state = body.statusUpdate?.status?.state;
    if (state !== undefined) states.push(state.replace(/^TASK_STATE_/, ""));
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/a2a/push`,
    token,
    received: () => received,
    /** The states pushed so far, once `state` is among them. */
    async waitForState(state: string, signal: AbortSignal): Promise<string[]> {
      const short = state.replace(/^TASK_STATE_/, "");
      while (!states.includes(short)) {
        if (signal.aborted) throw new Error(`the webhook received ${states.join(", ") || "nothing"}, not ${short}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (wrongTokens.length > 0) throw new Error(`push notifications came with a wrong token: ${wrongTokens.join(", ")}`);
      return [...states];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function text(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
