import { Code, KledClient, KledError } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpServiceClient } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import { authenticatorFromEnv } from "../../examples/src/shared/auth-env.js";
import { MCP_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

let cluster: ExampleCluster;
let anonymous: KledClient;

beforeAll(async () => {
  cluster = await startCluster({ mcpInstances: 1, agent: false });
  anonymous = new KledClient({ registry: cluster.registry });
});
afterAll(async () => {
  await anonymous?.close();
  await cluster?.stop();
});

async function code(call: Promise<unknown>): Promise<number> {
  return call.then(
    () => Code.Ok,
    (error: unknown) => KledError.from(error).code,
  );
}

describe("the MCP service's auth (mcp-tools policy)", () => {
  const mcp = () => createMcpServiceClient(anonymous, { service: MCP_SERVICE_NAME });

  it("answers UNAUTHENTICATED to a call without a token", async () => {
    expect(await code(mcp().listTools({}))).toBe(Code.Unauthenticated);
  });

  it("answers PERMISSION_DENIED to a valid token without the tool-user role, whatever metadata says", async () => {
    const token = await cluster.token("kled.stranger");
    const metadata = { authorization: `Bearer ${token}`, user: "kled.agent", roles: "tool-user" };
    expect(await code(mcp().callTool({ name: "add", arguments: { a: 1, b: 2 } }, { metadata }))).toBe(Code.PermissionDenied);
  });

  it("lets the agent's subject (granted by the policy) and the tool-user role (in the token) through", async () => {
    for (const token of [await cluster.token("kled.agent"), await cluster.token("someone", ["tool-user"])]) {
      const result = await mcp().callTool({ name: "add", arguments: { a: 1, b: 2 } }, { metadata: { authorization: `Bearer ${token}` } });
      expect(result.structuredContent).toEqual({ result: 3 });
    }
  });

  it("refuses to configure a service without a verification key, naming the variables", () => {
    expect(() => authenticatorFromEnv({})).toThrow(/set KLED_AUTH_PUBLIC_KEY \(a public JWK or PEM\), KLED_AUTH_JWKS_URL or KLED_AUTH_SECRET/);
  });
});
