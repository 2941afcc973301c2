import type { DescService } from "@bufbuild/protobuf";
import type { FileContext } from "./file-context.js";
import { generateClient } from "./generate-client.js";
import { generateDefinition } from "./generate-definition.js";
import { generateHandler } from "./generate-handler.js";
import { serviceNames } from "./service-names.js";

/** Writes everything generated for one service: definition, server side, client side. */
export function generateService(ctx: FileContext, service: DescService): void {
  const names = serviceNames(ctx, service);
  generateDefinition(ctx, service, names);
  generateHandler(ctx, service, names);
  generateClient(ctx, service, names);
}
