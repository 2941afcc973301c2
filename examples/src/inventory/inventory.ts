import { Code, KledError } from "@kled/runtime";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InventoryServiceHandler } from "../gen/kled/inventory/v1/inventory_kled.js";
import { Category, type AdjustStockRequest, type GetItemRequest, type ListItemsRequest } from "../gen/kled/inventory/v1/inventory_pb.js";

/**
 * A shop of two items, kept in memory: the handler behind the example proto
 * tools. Its answers carry every kind of field (enum, int64, repeated, map,
 * Timestamp), so the gateway shows their proto3 JSON.
 */
export class Inventory implements InventoryServiceHandler {
  readonly #items = new Map([
    [
      "HAM-001",
      {
        sku: "HAM-001",
        name: "Claw hammer",
        category: Category.TOOLS,
        priceCents: 1299n,
        stock: 10,
        tags: ["steel", "16oz"],
        attributes: { color: "red" },
        updatedAt: timestampFromDate(new Date("2026-01-02T03:04:05Z")),
      },
    ],
    ["RAK-002", { sku: "RAK-002", name: "Leaf rake", category: Category.GARDEN, priceCents: 2450n, stock: 0, tags: [], attributes: {} }],
  ]);

  getItem(request: GetItemRequest) {
    return { item: this.#item(request.sku) };
  }

  adjustStock(request: AdjustStockRequest) {
    const item = this.#item(request.sku);
    if (item.stock + request.delta < 0) {
      throw new KledError(Code.FailedPrecondition, `${request.sku} has ${item.stock} in stock; cannot remove ${-request.delta}`);
    }
    item.stock += request.delta;
    return { item };
  }

  async *listItems(request: ListItemsRequest) {
    for (const item of this.#items.values()) if (request.category === Category.UNSPECIFIED || item.category === request.category) yield { item };
  }

  #item(sku: string) {
    const item = this.#items.get(sku);
    if (item === undefined) throw new KledError(Code.NotFound, `no item ${JSON.stringify(sku)}; known: ${[...this.#items.keys()].join(", ")}`);
    return item;
  }
}

