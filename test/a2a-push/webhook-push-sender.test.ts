import { fromJson, fromJsonString, type JsonObject } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { StreamResponseSchema, TaskState } from "../../runtime/src/gen/lf/a2a/v1/a2a_pb.js";
import { WebhookDeliveryError } from "../../runtime/src/a2a/push/push-errors.js";
import { WebhookPushSender } from "../../runtime/src/a2a/push/webhook-push-sender.js";
import { pushConfig, statusUpdate } from "./support/events.js";
import { startWebhook, type TestWebhook } from "./support/webhook.js";

const webhooks: TestWebhook[] = [];
afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((webhook) => webhook.close()));
});

async function webhook(): Promise<TestWebhook> {
  const started = await startWebhook();
  webhooks.push(started);
  return started;
}

/** Fast retries, so that the tests about retrying take milliseconds. */
const quick = { firstRetryDelayMs: 20, maxRetryDelayMs: 50 };

async function failure(promise: Promise<unknown>): Promise<WebhookDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookDeliveryError);
  return error as WebhookDeliveryError;
}

describe("WebhookPushSender", () => {
  it("POSTs the StreamResponse as ProtoJSON (camelCase, enum names) with the A2A content type", async () => {
    const hook = await webhook();
    await new WebhookPushSender().send(pushConfig("task-1", hook.url), statusUpdate("task-1"));
    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/hooks/a2a");
    expect(request!.headers["content-type"]).toBe("application/a2a+json");
    expect(request!.headers["authorization"]).toBeUndefined();
    expect(request!.headers["x-a2a-notification-token"]).toBeUndefined();
    const json = JSON.parse(request!.body) as JsonObject;
    expect(json).toEqual({
      statusUpdate: {
        taskId: "task-1",
        contextId: "ctx-1",
        status: { state: "TASK_STATE_COMPLETED", timestamp: "2026-03-15T18:30:00Z" },
      },
    });
    const parsed = fromJson(StreamResponseSchema, json);
    expect(parsed.payload.case).toBe("statusUpdate");
    expect(parsed.payload.case === "statusUpdate" && parsed.payload.value.status?.state).toBe(TaskState.COMPLETED);
  });

  it("sends the config's token in X-A2A-Notification-Token and its authentication as Authorization: <scheme> <credentials>", async () => {
    const hook = await webhook();
    const config = pushConfig("task-2", hook.url, {
      token: "tok-123",
      authentication: { $typeName: "lf.a2a.v1.AuthenticationInfo", scheme: "Bearer", credentials: "secret-for-task-2" },
    });
    await new WebhookPushSender().send(config, statusUpdate("task-2"));
    expect(hook.requests[0]!.headers["x-a2a-notification-token"]).toBe("tok-123");
    expect(hook.requests[0]!.headers["authorization"]).toBe("Bearer secret-for-task-2");
  });

  it("retries after a 503 and after a 429 with Retry-After (waiting as asked), then succeeds", async () => {
    const hook = await webhook();
    hook.script({ status: 503 }, { status: 429, headers: { "Retry-After": "1" } });
    await new WebhookPushSender(quick).send(pushConfig("task-3", hook.url), statusUpdate("task-3"));
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((request) => request.body)).size).toBe(1);
    // Retry-After: 1 means a second; the timer may fire a little early, never much.
    expect(hook.requests[2]!.at - hook.requests[1]!.at).toBeGreaterThanOrEqual(900);
    expect(hook.requests[1]!.at - hook.requests[0]!.at).toBeLessThan(900);
  });

  it("gives up after maxAttempts with an error naming the URL and the last status", async () => {
    const hook = await webhook();
    hook.fallback = { status: 502 };
    const error = await failure(new WebhookPushSender({ ...quick, maxAttempts: 3 }).send(pushConfig("task-4", hook.url), statusUpdate("task-4")));
    expect(hook.requests).toHaveLength(3);
    expect(error.message).toBe(`webhook ${hook.url}: gave up after 3 attempt(s); last: HTTP 502 Bad Gateway`);
    expect(error).toMatchObject({ url: hook.url, status: 502, attempts: 3, retryable: true });
  });

  it("does not retry a 400, nor follow a redirect", async () => {
    const hook = await webhook();
    hook.script({ status: 400 }, { status: 307, headers: { Location: "http://127.0.0.1:1/elsewhere" } });
    const sender = new WebhookPushSender(quick);
    const refused = await failure(sender.send(pushConfig("task-5", hook.url), statusUpdate("task-5")));
    expect(refused.message).toBe(`webhook ${hook.url}: HTTP 400 Bad Request, not retried`);
    expect(refused).toMatchObject({ status: 400, attempts: 1, retryable: false });
    const redirected = await failure(sender.send(pushConfig("task-5", hook.url), statusUpdate("task-5")));
    expect(redirected.message).toMatch(/HTTP 307 Temporary Redirect \(redirects are not followed; register the final URL\), not retried$/);
    expect(hook.requests).toHaveLength(2);
  });

  it("times out each attempt of a webhook that never answers, retries, and reports the timeout", async () => {
    const hook = await webhook();
    hook.fallback = "hang";
    const error = await failure(
      new WebhookPushSender({ ...quick, attemptTimeoutMs: 200, maxAttempts: 2 }).send(pushConfig("task-6", hook.url), statusUpdate("task-6")),
    );
    expect(hook.requests).toHaveLength(2);
    expect(error.message).toBe(`webhook ${hook.url}: gave up after 2 attempt(s); last: no response within 200 ms`);
    expect(error).toMatchObject({ status: undefined, attempts: 2, retryable: true });
  });

  it("gives up at once when Retry-After asks for more than the rest of totalTimeoutMs", async () => {
    const hook = await webhook();
    hook.script({ status: 429, headers: { "Retry-After": "120" } });
    const started = performance.now();
    const error = await failure(new WebhookPushSender({ totalTimeoutMs: 5_000 }).send(pushConfig("task-7", hook.url), statusUpdate("task-7")));
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(error.message).toBe(
      `webhook ${hook.url}: gave up after 1 attempt(s), out of the 5000 ms budget (it asked to retry after 120000 ms); last: HTTP 429 Too Many Requests`,
    );
  });

  it("retries network errors and names the cause", async () => {
    const hook = await webhook();
    const url = hook.url;
    await hook.close();
    webhooks.splice(0);
    const error = await failure(new WebhookPushSender({ ...quick, maxAttempts: 2 }).send(pushConfig("task-8", url), statusUpdate("task-8")));
    expect(error.message).toMatch(new RegExp(`^webhook ${url.replaceAll(".", "\\.")}: gave up after 2 attempt\\(s\\); last: ECONNREFUSED`));
  });

  it("stops when the caller's signal aborts", async () => {
    const hook = await webhook();
    hook.fallback = "hang";
    const controller = new AbortController();
    const sending = new WebhookPushSender().send(pushConfig("task-9", hook.url), statusUpdate("task-9"), controller.signal);
    setTimeout(() => controller.abort(), 100);
    const error = await failure(sending);
    expect(error.message).toMatch(/stopped after 1 attempt\(s\) because the caller aborted/);
  });

  it("refuses a config it cannot send, before any request: bad scheme, credentials in the URL, a header-breaking token, half an authentication", async () => {
    const hook = await webhook();
    const sender = new WebhookPushSender();
    const cases: [Parameters<typeof pushConfig>[2] & { url?: string }, RegExp][] = [
      [{ url: "ftp://127.0.0.1/hook" }, /^webhook URL ftp:\/\/127\.0\.0\.1\/hook: scheme ftp: is not allowed; use http or https$/],
      [{ url: "not a url" }, /^webhook URL "not a url" is not an absolute URL/],
      [{ url: hook.url.replace("//", "//user:pw@") }, /carries a user name or password; put credentials in the config's authentication instead$/],
      [{ token: "line\nbreak" }, /its token cannot be sent as an HTTP header/],
      [
        { authentication: { $typeName: "lf.a2a.v1.AuthenticationInfo", scheme: "Bearer", credentials: "" } },
        /authentication needs both scheme and credentials \(got scheme "Bearer" only\)/,
      ],
    ];
    for (const [fields, message] of cases) {
      const error = await failure(sender.send(pushConfig("task-10", hook.url, fields), statusUpdate("task-10")));
      expect(error.message).toMatch(message);
      expect(error).toMatchObject({ attempts: 0, retryable: false });
    }
    expect(hook.requests).toHaveLength(0);
  });

  it("with refusePrivateAddresses, refuses loopback, private and link-local hosts; without it (the default) sends to them", async () => {
    const hook = await webhook();
    const strict = new WebhookPushSender({ refusePrivateAddresses: true });
    const port = new URL(hook.url).port;
    for (const host of ["127.0.0.1", "localhost", "[::1]", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "[::ffff:192.168.1.1]", "[fd00::1]", "0.0.0.0"]) {
      const error = await failure(strict.send(pushConfig("task-11", `http://${host}:${port}/hooks/a2a`), statusUpdate("task-11")));
      expect(error.message).toMatch(/a loopback, private or link-local address; refused because refusePrivateAddresses is on$/);
    }
    expect(hook.requests).toHaveLength(0);
    await new WebhookPushSender().send(pushConfig("task-11", hook.url), statusUpdate("task-11"));
    expect(hook.requests).toHaveLength(1);
  });

  it("keeps a query string out of its messages (it often carries a secret)", async () => {
    const hook = await webhook();
    hook.fallback = { status: 404 };
    const error = await failure(new WebhookPushSender().send(pushConfig("task-12", `${hook.url}?key=very-secret`), statusUpdate("task-12")));
    expect(error.message).toBe(`webhook ${hook.url}?…: HTTP 404 Not Found, not retried`);
    expect(error.message).not.toContain("very-secret");
    expect(hook.requests[0]!.path).toBe("/hooks/a2a?key=very-secret");
  });

  it("rejects invalid options with the option's name", () => {
    expect(() => new WebhookPushSender({ maxAttempts: 0 })).toThrow("WebhookPushSender: maxAttempts 0 is invalid; use a whole number of at least 1");
  });

  it("sends what the body says in JSON, readable by protobuf-es's JSON parser as is", async () => {
    const hook = await webhook();
    const sent = statusUpdate("task-13", TaskState.WORKING);
    await new WebhookPushSender().send(pushConfig("task-13", hook.url), sent);
    expect(fromJsonString(StreamResponseSchema, hook.requests[0]!.body)).toEqual(sent);
  });
});
