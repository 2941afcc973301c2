/**
 * The agent's auth, as every Kled service's: a JWT bearer token and the
 * agent policy (examples/policy/agent.csv), seen by the official
 * @a2a-js/sdk gRPC client; the public card says what is required.
 */
import { toJson } from "@bufbuild/protobuf";
import { Code, KledClient } from "@kled/runtime";
import { a2aErrorInfo } from "@kled/runtime/a2a";
import { AgentCardSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { type Client, ClientFactory } from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
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

function message(text: string): SendParams {
  return {
    tenant: "",
    message: {
      messageId: crypto.randomUUID(),
      contextId: "",
      taskId: "",
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
