import { MemoryRegistry, type Service } from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InventoryServiceDefinition } from "../../examples/src/gen/kled/inventory/v1/inventory_kled.js";
import { startInventory } from "./inventory.js";
import { CLIENT_LINES, connect, startGateway } from "./support.js";

let registry: MemoryRegistry;
let inventory: Service;
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  inventory = await startInventory(registry);
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await inventory?.stop();
  await registry.close();
});

describe.each(CLIENT_LINES)("the generated proto tools of kled.inventory.v1.InventoryService (%s)", (line) => {
  it("lists the two unary methods marked as tools, exactly as protoc-gen-kled wrote them", async () => {
    const client = await connect(line, gateway.url);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["adjust_stock", "get_item"]);
    expect(tools.find((tool) => tool.name === "get_item")).toEqual(InventoryServiceDefinition.methods["getItem"]?.tool);
    await client.close();
  });

  it("answers with the response's proto3 JSON, which the client validates against the tool's output schema", async () => {
    const client = await connect(line, gateway.url);
    const result = await client.callTool({ name: "get_item", arguments: { sku: "HAM-001" } });
    expect(result["isError"]).toBeFalsy();
    expect(result["structuredContent"]).toEqual({
      item: {
        sku: "HAM-001",
        name: "Claw hammer",
        category: "CATEGORY_TOOLS",
        priceCents: "1299",
        stock: expect.any(Number),
        tags: ["steel", "16oz"],
        attributes: { color: "red" },
        updatedAt: "2026-01-02T03:04:05Z",
      },
    });
    await client.close();
  });

  it("takes proto3 JSON arguments and answers a refusal or a misfit as a tool error", async () => {
    const client = await connect(line, gateway.url);
    const added = await client.callTool({ name: "adjust_stock", arguments: { sku: "HAM-001", delta: 2, reason: "delivery" } });
    expect(added["isError"]).toBeFalsy();
    expect((added["structuredContent"] as { item: { stock: number } }).item.stock).toBeGreaterThanOrEqual(12);
    const emptied = await client.callTool({ name: "adjust_stock", arguments: { sku: "RAK-002", delta: -1 } });
    expect(emptied["isError"]).toBe(true);
    expect((emptied["content"] as Array<{ text: string }>)[0]?.text).toMatch(/FAILED_PRECONDITION.*RAK-002 has 0 in stock/);
    const bad = await client.callTool({ name: "adjust_stock", arguments: { sku: "HAM-001", delta: "lots" } });
    expect(bad["isError"]).toBe(true);
    expect((bad["content"] as Array<{ text: string }>)[0]?.text).toMatch(/kled\.inventory\.v1\.AdjustStockRequest\.delta.*"lots"/);
    await client.close();
  });
});
