import { fileURLToPath } from "node:url";
import { silentLogger } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { describe, expect, it } from "vitest";
import { decision, identity } from "./support/casbin-oracle.js";

const EXAMPLE_POLICY = fileURLToPath(new URL("../../examples/policy/mcp-tools.csv", import.meta.url));
const AGENT_POLICY = fileURLToPath(new URL("../../examples/policy/agent.csv", import.meta.url));
const BENCH_POLICY = fileURLToPath(new URL("../../bench/authz/policy.csv", import.meta.url));

/** The policies the project ships grant what their comments say, and nothing to a subject named like a role. */
describe("the shipped policies", () => {
  const mcp = { service: "kled.mcp.v1.McpService", method: "CallTool" };

  it("examples/policy/mcp-tools.csv: the example agent, and holders of tool-user, may call the MCP service in every domain", async () => {
    const authorizer = await CasbinAuthorizer.fromFiles({ policy: EXAMPLE_POLICY, logger: silentLogger });
    expect(await decision(authorizer, identity("kled.agent", "acme"), mcp)).toBe(true);
    expect(await decision(authorizer, identity("kled.agent", "default"), mcp)).toBe(true);
    expect(await decision(authorizer, identity("someone", "globex", ["tool-user"]), mcp)).toBe(true);
    expect(await decision(authorizer, identity("kled.agent", "acme"), { service: "kled.agent.v1.AgentService", method: "SendMessage" })).toBe(false);
    expect(await decision(authorizer, identity("someone", "acme"), mcp)).toBe(false);
    expect(await decision(authorizer, identity("tool-user", "acme"), mcp)).toBe(false);
  });

  it("examples/policy/agent.csv: holders of agent-user may use every A2A method and the event log, in every domain; nobody else", async () => {
    const authorizer = await CasbinAuthorizer.fromFiles({ policy: AGENT_POLICY, logger: silentLogger });
    const send = { service: "lf.a2a.v1.A2AService", method: "SendMessage" };
    const events = { service: "kled.agent.v1.AgentService", method: "SubscribeTaskEvents" };
    expect(await decision(authorizer, identity("someone", "acme", ["agent-user"]), send)).toBe(true);
    expect(await decision(authorizer, identity("someone", "globex", ["agent-user"]), { service: "lf.a2a.v1.A2AService", method: "CancelTask" })).toBe(true);
    expect(await decision(authorizer, identity("someone", "acme", ["agent-user"]), events)).toBe(true);
    expect(await decision(authorizer, identity("someone", "acme", ["tool-user"]), send)).toBe(false);
    expect(await decision(authorizer, identity("agent-user", "acme"), send)).toBe(false);
    expect(await decision(authorizer, identity("someone", "acme", ["agent-user"]), { service: "kled.mcp.v1.McpService", method: "CallTool" })).toBe(false);
  });

  it("bench/authz/policy.csv: the bench's caller through its role, users through their g lines", async () => {
    const authorizer = await CasbinAuthorizer.fromFiles({ policy: BENCH_POLICY, logger: silentLogger });
    const echo = { service: "kled.test.v1.EchoService", method: "Echo" };
    expect(await decision(authorizer, identity("bench.authz.load", "acme", ["echo-caller"]), echo)).toBe(true);
    expect(await decision(authorizer, identity("bench.authz.load", "globex", ["echo-caller"]), echo)).toBe(false);
    const invoice = { service: "kled.billing.v1.InvoiceService", method: "GetInvoice" };
    expect(await decision(authorizer, identity("alice", "acme"), invoice)).toBe(true);
    expect(await decision(authorizer, identity("alice", "globex"), invoice)).toBe(false);
    expect(await decision(authorizer, identity("bob", "globex"), invoice)).toBe(true);
    expect(await decision(authorizer, identity("dave", "initech"), { service: "kled.orders.v1.ShipmentService", method: "Ship" })).toBe(true);
    expect(await decision(authorizer, identity("erin", "anywhere"), { service: "kled.catalog.v1.ProductService", method: "ListProducts" })).toBe(true);
    expect(await decision(authorizer, identity("kled.shop", "acme"), { service: "kled.orders.v1.OrderService", method: "CreateOrder" })).toBe(true);
    expect(await decision(authorizer, identity("kled.shop", "globex"), { service: "kled.orders.v1.OrderService", method: "CreateOrder" })).toBe(false);
    expect(await decision(authorizer, identity("auditor", "acme"), invoice)).toBe(false);
    expect(await decision(authorizer, identity("echo-caller", "acme"), echo)).toBe(false);
  });
});
