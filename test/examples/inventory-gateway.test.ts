import { MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerInventoryServiceHandler } from "../../examples/src/gen/kled/inventory/v1/inventory_kled.js";
import { Inventory } from "../../examples/src/inventory/inventory.js";
import { INVENTORY_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { connect, startGateway } from "../mcp-gateway/support.js";

// The example inventory as the demo runs it, its proto tools reached through the gateway.
let registry: MemoryRegistry;
let inventory: Service;
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  inventory = new Service({ name: INVENTORY_SERVICE_NAME, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  registerInventoryServiceHandler(inventory.server, new Inventory());
  await inventory.start();
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await inventory?.stop();
  await registry.close();
});

describe("the example inventory (kled.inventory.v1) through the MCP gateway", () => {
  it("serves its two unary methods as tools, and not its stream", async () => {
    const client = await connect("client-2.x", gateway.url);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["adjust_stock", "get_item"]);
    await client.close();
  });

  it("answers get_item and adjust_stock with proto3 JSON, and a refused adjustment as a tool error", async () => {
    const client = await connect("client-2.x", gateway.url);
    const item = await client.callTool({ name: "get_item", arguments: { sku: "HAM-001" } });
    expect(item["structuredContent"]).toMatchObject({ item: { sku: "HAM-001", category: "CATEGORY_TOOLS", priceCents: "1299", stock: 10 } });
    const added = await client.callTool({ name: "adjust_stock", arguments: { sku: "HAM-001", delta: 2 } });
    expect(added["structuredContent"]).toMatchObject({ item: { stock: 12 } });
    const refused = await client.callTool({ name: "adjust_stock", arguments: { sku: "RAK-002", delta: -1 } });
    expect(refused["isError"]).toBe(true);
    expect((refused["content"] as Array<{ text: string }>)[0]?.text).toMatch(/FAILED_PRECONDITION.*RAK-002 has 0 in stock/);
    await client.close();
  });
});
