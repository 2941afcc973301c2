/**
 * The example inventory service as a process:
 *
 *   node --conditions=kled:source --import tsx examples/src/inventory/main.ts [--address 127.0.0.1:50051]
 *
 * An ordinary gRPC service (kled.inventory.v1.InventoryService) whose unary
 * methods are marked `(kled.options.v1.tool)`: protoc-gen-kled puts their MCP
 * tool definitions in the service's registry record, and the MCP gateway
 * serves them as tools next to the MCP services' own. Registers as
 * "kled.inventory" in the registry KLED_REGISTRY names (mDNS by default) and
 * serves until SIGINT or SIGTERM. It asks for no token: its data is a demo
 * shop kept in memory.
 */
import { consoleLogger, Service } from "@kled/runtime";
import { registerInventoryServiceHandler } from "../gen/kled/inventory/v1/inventory_kled.js";
import { processOptions } from "../shared/process-options.js";
import { INVENTORY_SERVICE_NAME } from "../shared/service-names.js";
import { Inventory } from "./inventory.js";

const options = processOptions("inventory", process.argv.slice(2));
const service = new Service({
  name: INVENTORY_SERVICE_NAME,
  version: "0.1.0",
  logger: consoleLogger().child({ service: INVENTORY_SERVICE_NAME }),
  ...options,
});
registerInventoryServiceHandler(service.server, new Inventory());
await service.run();
