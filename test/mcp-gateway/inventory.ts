import { Service, silentLogger, type Registry } from "@kled/runtime";
import { registerInventoryServiceHandler } from "../../examples/src/gen/kled/inventory/v1/inventory_kled.js";
import { Inventory } from "../../examples/src/inventory/inventory.js";

/**
 * The example inventory (proto methods marked as MCP tools) as a Kled
 * service: its registry record carries the tools protoc-gen-kled generated.
 */
export async function startInventory(registry: Registry, name = "inventory"): Promise<Service> {
  const service = new Service({ name, registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  registerInventoryServiceHandler(service.server, new Inventory());
  await service.start();
  return service;
}
