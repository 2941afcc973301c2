import { afterEach, describe, expect, it } from "vitest";
import { defineService, TOOL_ENDPOINT_METADATA_KEY, type ToolDescription } from "../../runtime/src/index.js";
import { endpointsOf } from "../../runtime/src/service/endpoints.js";
import { MAX_MDNS_PACKET_BYTES, mdnsNames, nodeAnswers, packetBytes } from "../../runtime/src/registry/mdns/dns-records.js";
import type { ServiceRecord } from "../../runtime/src/registry/registry.js";
import { InventoryServiceDefinition } from "../../examples/src/gen/kled/inventory/v1/inventory_kled.js";
import { closeRegistries, openRegistry, uniqueServiceType } from "../registry/mdns-fixtures.js";
import { compileTools } from "./support/tools.js";

afterEach(closeRegistries);

/**
 * A service as large as a real one that offers its methods to agents: six
 * tools over an order message of 30 commented fields, a nested address, an
 * enum of eight commented values and a recursive category tree.
 */
function largeProto(): string {
  const fields = Array.from(
    { length: 24 },
    (_, i) => `  // Field number ${i} of the order, described the way real APIs describe theirs.\n  string note_${i} = ${i + 10};`,
  ).join("\n");
  const methods = ["Create", "Get", "Update", "Cancel", "Refund", "Ship"]
    .map(
      (verb) => `
  // ${verb}s an order and returns it as stored.
  rpc ${verb}Order(${verb}OrderRequest) returns (${verb}OrderResponse) {
    option (kled.options.v1.tool) = { title: "${verb} order" };
  }`,
    )
    .join("");
  const messages = ["Create", "Get", "Update", "Cancel", "Refund", "Ship"]
    .map(
      (verb) => `
// ${verb}OrderRequest carries the order to ${verb.toLowerCase()}.
message ${verb}OrderRequest { Order order = 1; string request_id = 2; }
// ${verb}OrderResponse carries the order afterwards.
message ${verb}OrderResponse { Order order = 1; }`,
    )
    .join("\n");
  return `
syntax = "proto3";
package kled.test.v1;
import "google/protobuf/timestamp.proto";
import "kled/options/v1/options.proto";
// OrderService manages orders.
service OrderService {${methods}
}
${messages}
// Order is what a customer bought.
message Order {
  string id = 1;
  int64 total_cents = 2;
  OrderStatus status = 3;
  Address shipping = 4;
  Address billing = 5;
  repeated Line lines = 6;
  map<string, string> labels = 7;
  google.protobuf.Timestamp created_at = 8;
  Category category = 9;
${fields}
}
// Line is one product of an order.
message Line { string sku = 1; int32 quantity = 2; int64 price_cents = 3; }
// Address is where an order goes.
message Address {
  string name = 1; string street = 2; string city = 3; string postal_code = 4;
  string country = 5; string phone = 6; string email = 7; string notes = 8;
}
// Category is a node of the catalogue tree.
message Category { string name = 1; repeated Category children = 2; }
// OrderStatus is where an order is in its life.
enum OrderStatus {
  ORDER_STATUS_UNSPECIFIED = 0;
  // Placed, not yet paid.
  ORDER_STATUS_PENDING = 1;
  // Paid, waiting to be packed.
  ORDER_STATUS_PAID = 2;
  // Packed and handed to the carrier.
  ORDER_STATUS_SHIPPED = 3;
  // Received by the customer.
  ORDER_STATUS_DELIVERED = 4;
  // Cancelled before shipping.
  ORDER_STATUS_CANCELLED = 5;
  // Paid back after a return.
  ORDER_STATUS_REFUNDED = 6;
  // Something went wrong; see the notes.
  ORDER_STATUS_FAILED = 7;
}
`;
}

function recordOf(name: string, endpoints: ServiceRecord["endpoints"]): ServiceRecord {
  return {
    name,
    version: "1.0.0",
    metadata: {},
    endpoints,
    nodes: [{ id: `${name}-1`, address: "127.0.0.1:50051", metadata: {} }],
  };
}

describe("tools in the registry record", () => {
  it("carries a tool method's tool as JSON under mcp.tool, and nothing for other methods", () => {
    const endpoints = endpointsOf([InventoryServiceDefinition]);
    const byPath = new Map(endpoints.map((e) => [e.name, e.metadata]));
    const getItem = byPath.get("/kled.inventory.v1.InventoryService/GetItem");
    expect(TOOL_ENDPOINT_METADATA_KEY).toBe("mcp.tool");
    expect(JSON.parse(getItem?.["mcp.tool"] ?? "null")).toEqual(InventoryServiceDefinition.methods["getItem"]?.tool);
    expect(JSON.parse(getItem?.["mcp.tool"] ?? "null")).toMatchObject({
      name: "get_item",
      title: "Get item",
      description: "Looks up one item by its SKU.",
      annotations: { readOnlyHint: true, idempotentHint: true },
    });
    expect(JSON.parse(byPath.get("/kled.inventory.v1.InventoryService/AdjustStock")?.["mcp.tool"] ?? "null")?.name).toBe(
      "adjust_stock",
    );
    expect(byPath.get("/kled.inventory.v1.InventoryService/ListItems")).toEqual({ kind: "server_streaming", idempotency: "unknown" });
  });

  it("refuses a hand-written tool on a streaming method", () => {
    const tool: ToolDescription = { name: "list_items", inputSchema: { type: "object" } };
    expect(() =>
      defineService(InventoryServiceDefinition.desc, {
        getItem: { idempotency: "no-side-effects" },
        adjustStock: { idempotency: "unknown" },
        listItems: { idempotency: "unknown", tool },
      }),
    ).toThrow(
      'service kled.inventory.v1.InventoryService: method ListItems is server_streaming and cannot be the MCP tool "list_items"; only unary methods can be tools',
    );
  });

  it("fits a large service's tools into one mDNS packet, and another registry reads them back whole", async () => {
    const compiled = compileTools({ "kled/test/v1/orders.proto": largeProto() });
    const desc = compiled.registry.getService("kled.test.v1.OrderService");
    if (desc === undefined) throw new Error("no OrderService");
    const definition = defineService(
      desc,
      Object.fromEntries(
        desc.methods.map((m) => [m.localName, { idempotency: "unknown" as const, tool: compiled.tool(m.localName) as unknown as ToolDescription }]),
      ),
    );
    const record = recordOf("orders", endpointsOf([definition]));
    const json = Buffer.byteLength(JSON.stringify(record));
    const bytes = packetBytes(nodeAnswers(mdnsNames("_kled._tcp", "local"), { record, ttlMs: 90_000 }, 90));
    // 68,681 bytes of JSON in a 2,314-byte packet: deflate shrinks the
    // schemas some 30-fold, so receivers must accept payloads that inflate
    // far beyond what a packet holds (they stopped at 64 KiB before).
    expect(json).toBeGreaterThan(64 * 1024);
    expect(bytes).toBeLessThan(MAX_MDNS_PACKET_BYTES / 2);

    const serviceType = uniqueServiceType();
    const server = openRegistry({ serviceType });
    const client = openRegistry({ serviceType });
    await server.register(record);
    const [found] = await client.getService("orders");
    expect(found?.endpoints).toEqual(record.endpoints);
    const tool = JSON.parse(found?.endpoints[0]?.metadata["mcp.tool"] ?? "null") as ToolDescription;
    expect(tool.name).toBe("create_order");
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(["order", "requestId"]);
  });

  it("refuses to register a record whose JSON is over the limit peers accept, though it would fit in a packet", async () => {
    const huge = recordOf("huge", [
      { name: "/huge.Svc/Call", request: "huge.Req", response: "huge.Res", metadata: { blob: "x".repeat(1024 * 1024) } },
    ]);
    const registry = openRegistry({ serviceType: uniqueServiceType() });
    await expect(registry.register(huge)).rejects.toThrow(
      /registry "mdns": the record of service "huge" is \d+ bytes of JSON, over the 1048576-byte limit peers accept/,
    );
  });
});
