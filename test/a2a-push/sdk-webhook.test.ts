import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { A2A_CONTENT_TYPE, StreamResponse as SdkStreamResponse, TaskState as SdkTaskState } from "@a2a-js/sdk";
import { DefaultPushNotificationSender, InMemoryPushNotificationStore, ServerCallContext } from "@a2a-js/sdk/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Role, StreamResponseSchema, TaskState, type StreamResponse } from "../../runtime/src/gen/lf/a2a/v1/a2a_pb.js";
import { WebhookPushSender } from "../../runtime/src/a2a/push/webhook-push-sender.js";
import { pushConfig, statusUpdate } from "./support/events.js";
import { startWebhook, type TestWebhook } from "./support/webhook.js";

// The official SDK's view of our notifications: a webhook written for
// @a2a-js/sdk parses the body with its StreamResponse.fromJSON, and sees
// the same request as the SDK's own DefaultPushNotificationSender sends.

const webhooks: TestWebhook[] = [];
afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((webhook) => webhook.close()));
  vi.restoreAllMocks();
});

const time = timestampFromDate(new Date("2026-03-15T18:30:00.250Z"));

/** One notification of each payload kind, with the fields whose JSON forms differ most (enums, bytes, Struct, Value, timestamps). */
const payloads: StreamResponse[] = [
  statusUpdate("task-s", TaskState.INPUT_REQUIRED),
  create(StreamResponseSchema, {
    payload: {
      case: "artifactUpdate",
      value: {
        taskId: "task-a",
        contextId: "ctx-a",
        append: true,
        lastChunk: true,
        artifact: {
          artifactId: "art-1",
          name: "report",
          parts: [
            { content: { case: "text", value: "Q1 revenue" } },
            { content: { case: "raw", value: new Uint8Array([0, 1, 254, 255]) }, filename: "q1.bin", mediaType: "application/octet-stream" },
            { content: { case: "url", value: "https://files.example.com/q1.pdf" }, mediaType: "application/pdf" },
            { content: { case: "data", value: fromJson(ValueSchema, { total: 12.5, regions: ["north", "south"], final: true, note: null }) } },
          ],
          metadata: { source: "ledger" },
        },
      },
    },
  }),
  create(StreamResponseSchema, {
    payload: {
      case: "task",
      value: {
        id: "task-t",
        contextId: "ctx-t",
        status: { state: TaskState.COMPLETED, timestamp: time },
        history: [{ messageId: "m-1", role: Role.USER, parts: [{ content: { case: "text", value: "go" } }], taskId: "task-t" }],
      },
    },
  }),
];

async function webhook(): Promise<TestWebhook> {
  const started = await startWebhook();
  webhooks.push(started);
  return started;
}

describe("push notifications as the official A2A SDK sees them", () => {
  it("parse with @a2a-js/sdk's StreamResponse.fromJSON into the event we sent", async () => {
    const hook = await webhook();
    await new WebhookPushSender().send(pushConfig("task-s", hook.url), statusUpdate("task-s", TaskState.INPUT_REQUIRED));
    const request = hook.requests[0]!;
    expect(request.headers["content-type"]).toBe(A2A_CONTENT_TYPE);
    const parsed = SdkStreamResponse.fromJSON(JSON.parse(request.body));
    expect(parsed.payload?.$case).toBe("statusUpdate");
    if (parsed.payload?.$case !== "statusUpdate") return;
    expect(parsed.payload.value.taskId).toBe("task-s");
    expect(parsed.payload.value.status?.state).toBe(SdkTaskState.TASK_STATE_INPUT_REQUIRED);
  });

  it("are the requests the SDK's DefaultPushNotificationSender makes for the same events: content type, credentials and JSON body", async () => {
    vi.spyOn(console, "info").mockImplementation(() => undefined);
    const ours = await webhook();
    const theirs = await webhook();
    const authentication = { $typeName: "lf.a2a.v1.AuthenticationInfo", scheme: "Bearer", credentials: "secret" } as const;
    const store = new InMemoryPushNotificationStore();
    const context = new ServerCallContext({ requestedVersion: "1.0" });
    const sdkSender = new DefaultPushNotificationSender(store);
    const sender = new WebhookPushSender();
    for (const [index, response] of payloads.entries()) {
      const taskId = response.payload.case === "task" ? response.payload.value.id : (response.payload.value as { taskId: string }).taskId;
      await sender.send(pushConfig(taskId, ours.url, { authentication }), response);
      await store.save(taskId, context, { tenant: "", id: `cfg-${taskId}`, taskId, url: theirs.url, token: "", authentication: { scheme: "Bearer", credentials: "secret" } });
      // The SDK's event is our body as an SDK webhook reads it, so the test also proves the reading loses nothing.
      await sdkSender.send(SdkStreamResponse.fromJSON(JSON.parse(ours.requests[index]!.body)), context);
      const [mine, sdk] = [ours.requests[index]!, theirs.requests[index]!];
      expect(mine.headers["content-type"]).toBe(sdk.headers["content-type"]);
      expect(mine.headers["authorization"]).toBe(sdk.headers["authorization"]);
      expect(JSON.parse(mine.body)).toEqual(JSON.parse(sdk.body));
      expect(JSON.parse(mine.body)).toEqual(toJson(StreamResponseSchema, response));
    }
    expect(theirs.requests).toHaveLength(payloads.length);
  });
});
