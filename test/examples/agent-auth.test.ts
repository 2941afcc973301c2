/**
 * The agent's auth, as every Kled service's: a JWT bearer token and the
 * agent policy (examples/policy/agent.csv), seen by the official
 * @a2a-js/sdk gRPC client; the public card says what is required.
 */
import { toJson } from "@bufbuild/protobuf";
import { Code, KledClient } from "@kled/runtime";
import { a2aErrorInfo } from "@kled/runtime/a2a";
import { bearerToken } from "@kled/runtime/auth";
import { AgentCardSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { type Client, ClientFactory } from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import { TaskNotFoundError } from "@a2a-js/sdk/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentServiceClient } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { createA2AServiceClient } from "../../examples/src/gen/lf/a2a/v1/a2a_kled.js";
import { AGENT_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

type AgentCard = Parameters<ClientFactory["createFromAgentCard"]>[0];
type SendParams = Parameters<Client["sendMessage"]>[0];

let cluster: ExampleCluster;
let anonymous: KledClient;
let card: AgentCard;
let sdk: Client;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: true, agentAuth: true });
  anonymous = new KledClient({ registry: cluster.registry });
  // The card is public: no token needed to learn how to authenticate.
  const served = (await createAgentServiceClient(anonymous, { service: AGENT_SERVICE_NAME }).getAgentCard({})).card;
  if (served === undefined) throw new Error("the agent served no card");
  card = toJson(AgentCardSchema, served) as unknown as AgentCard;
  sdk = await new ClientFactory({ transports: [new GrpcTransportFactory()] }).createFromAgentCard(card);
});
afterAll(async () => {
  await anonymous?.close();
  await cluster?.stop();
});

function message(text: string, taskId = ""): SendParams {
  return {
    tenant: "",
    message: {
      messageId: crypto.randomUUID(),
      contextId: "",
      taskId,
      role: 1,
      parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" }],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: false },
    metadata: undefined,
  };
}

describe("the agent with auth configured", () => {
  it("declares a JWT bearer scheme, required, in its public card", () => {
    // The card as the agent serves it (its proto JSON).
    const json = card as unknown as {
      securitySchemes: Record<string, { httpAuthSecurityScheme?: { scheme: string; bearerFormat: string } }>;
      securityRequirements: Array<{ schemes: Record<string, unknown> }>;
    };
    const bearer = Object.entries(json.securitySchemes).find(([, scheme]) => scheme.httpAuthSecurityScheme !== undefined);
    expect(bearer?.[1].httpAuthSecurityScheme).toMatchObject({ scheme: "Bearer", bearerFormat: "JWT" });
    expect(json.securityRequirements.some((requirement) => bearer !== undefined && bearer[0] in requirement.schemes)).toBe(true);
  });

  it("refuses a call without a token, and one whose token lacks the agent-user role", async () => {
    await expect(sdk.sendMessage(message("add 1 and 2"))).rejects.toThrow(/credential/);
    const roleless = await cluster.token("kled.stranger");
    await expect(sdk.sendMessage(message("add 1 and 2"), { serviceParameters: { authorization: `Bearer ${roleless}` } })).rejects.toThrow(
      /kled.stranger.*may not call lf.a2a.v1.A2AService\/SendMessage/,
    );
    // Kled's own client sees the codes.
    const a2a = createA2AServiceClient(anonymous, { service: AGENT_SERVICE_NAME });
    const refused = await a2a.getTask({ id: "x" }).catch((error: unknown) => error);
    expect((refused as { code?: Code }).code).toBe(Code.Unauthenticated);
    expect(a2aErrorInfo(refused)).toBeUndefined();
  });

  it("serves a caller with the agent-user role", async () => {
    const user = await cluster.token("kled.user", ["agent-user"]);
    const task = await sdk.sendMessage(message("add 1 and 2"), { serviceParameters: { authorization: `Bearer ${user}` } });
    expect("status" in task && task.status?.state).toBe(3);
  });
});

describe("the agent's tasks, scoped to the caller who created them (A2A §13.1)", () => {
  const INPUT_REQUIRED = 6;
  const COMPLETED = 3;
  const CANCELED = 5;
  const as = (token: string) => ({ serviceParameters: { authorization: `Bearer ${token}` } });
  const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
  /** What the SDK raises for a task that does not exist, with the id swapped for "<id>". */
  const shapeOf = (error: unknown, id: string) => {
    expect(error).toBeInstanceOf(TaskNotFoundError);
    return (error as Error).message.replaceAll(id, "<id>");
  };
  async function send(text: string, token: string, taskId = "") {
    const result = await sdk.sendMessage(message(text, taskId), as(token));
    if (!("status" in result)) throw new Error("the agent answered with a message, not a task");
    return result;
  }

  it("hides user A's tasks from user B exactly as unknown tasks, and serves them to A", async () => {
    const alice = await cluster.token("kled.alice", ["agent-user"]);
    const bob = await cluster.token("kled.bob", ["agent-user"]);
    const waiting = await send("multiply 6 by 7, store the result", alice);
    expect(waiting.status?.state).toBe(INPUT_REQUIRED);
    const done = await send("add 1 and 2", alice);
    const bobs = await send("add 2 and 2", bob);
    expect(bobs.status?.state).toBe(COMPLETED);

    const unknownId = crypto.randomUUID();
    const unknown = shapeOf(await caught(sdk.getTask({ tenant: "", id: unknownId }, as(bob))), unknownId);
    const hidden = await caught(sdk.getTask({ tenant: "", id: waiting.id }, as(bob)));
    expect(shapeOf(hidden, waiting.id)).toBe(unknown);
    expect(a2aErrorInfo(hidden)).toBeUndefined(); // the SDK's error, not a raw status

    // B's listing holds B's task only, and counts only B's.
    const listedByBob = await sdk.listTasks({ tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined }, as(bob));
    expect(listedByBob.tasks.map((task) => task.id)).toEqual([bobs.id]);
    expect(listedByBob.totalSize).toBe(1);
    // Paging does not reach A's tasks either.
    const firstPage = await sdk.listTasks(
      { tenant: "", contextId: "", status: 0, pageSize: 1, pageToken: "", statusTimestampAfter: undefined },
      as(bob),
    );
    expect(firstPage).toMatchObject({ tasks: [{ id: bobs.id }], nextPageToken: "", totalSize: 1 });
    // Filtering by A's context finds nothing either.
    const inAlicesContext = await sdk.listTasks(
      { tenant: "", contextId: waiting.contextId, status: 0, pageToken: "", statusTimestampAfter: undefined },
      as(bob),
    );
    expect(inAlicesContext).toMatchObject({ tasks: [], totalSize: 0 });

    // A's waiting task is cancelable, yet to B it does not exist: no TaskNotCancelableError, nothing changes.
    expect(shapeOf(await caught(sdk.cancelTask({ tenant: "", id: waiting.id, metadata: undefined }, as(bob))), waiting.id)).toBe(unknown);
    expect(shapeOf(await caught(sdk.cancelTask({ tenant: "", id: done.id, metadata: undefined }, as(bob))), done.id)).toBe(unknown);
    const webhook = { tenant: "", taskId: waiting.id, id: "", url: "https://client.example/webhook", token: "", authentication: undefined };
    expect(shapeOf(await caught(sdk.createTaskPushNotificationConfig(webhook, as(bob))), waiting.id)).toBe(unknown);
    expect(
      shapeOf(await caught(sdk.listTaskPushNotificationConfig({ tenant: "", taskId: waiting.id, pageSize: 0, pageToken: "" }, as(bob))), waiting.id),
    ).toBe(unknown);
    // B's answer to A's question is refused without touching the task, and B cannot follow it.
    expect(shapeOf(await caught(send("bobs_key", bob, waiting.id)), waiting.id)).toBe(unknown);
    const follow = sdk.resubscribeTask({ tenant: "", id: waiting.id }, as(bob))[Symbol.asyncIterator]();
    expect(shapeOf(await caught(follow.next()), waiting.id)).toBe(unknown);
    // Nor read its numbered events through kled.agent.v1.
    const bobsClient = new KledClient({ registry: cluster.registry, middleware: [bearerToken(bob)] });
    try {
      const events = createAgentServiceClient(bobsClient, { service: AGENT_SERVICE_NAME }).subscribeTaskEvents({ taskId: waiting.id, afterSequence: 0n });
      const refused = await caught((async () => {
        for await (const _ of events);
      })());
      expect((refused as { code?: Code }).code).toBe(Code.NotFound);
      expect(a2aErrorInfo(refused)?.reason).toBe("TASK_NOT_FOUND");
    } finally {
      await bobsClient.close();
    }

    // A sees both of A's tasks, untouched by B, and may act on them.
    const read = await sdk.getTask({ tenant: "", id: waiting.id }, as(alice));
    expect(read.status?.state).toBe(INPUT_REQUIRED);
    expect(read.history.map((m) => m.parts[0]?.content)).not.toContainEqual({ $case: "text", value: "bobs_key" });
    const listedByAlice = await sdk.listTasks({ tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined }, as(alice));
    expect(listedByAlice.tasks.map((task) => task.id).sort()).toEqual([waiting.id, done.id].sort());
    expect(listedByAlice.totalSize).toBe(2);
    const created = await sdk.createTaskPushNotificationConfig(webhook, as(alice));
    expect(created.taskId).toBe(waiting.id);
    expect(shapeOf(await caught(sdk.getTaskPushNotificationConfig({ tenant: "", taskId: waiting.id, id: created.id }, as(bob))), waiting.id)).toBe(unknown);
    expect(shapeOf(await caught(sdk.deleteTaskPushNotificationConfig({ tenant: "", taskId: waiting.id, id: created.id }, as(bob))), waiting.id)).toBe(unknown);
    expect((await sdk.getTaskPushNotificationConfig({ tenant: "", taskId: waiting.id, id: created.id }, as(alice))).url).toBe(webhook.url);
    expect((await sdk.cancelTask({ tenant: "", id: waiting.id, metadata: undefined }, as(alice))).status?.state).toBe(CANCELED);
  });
});
