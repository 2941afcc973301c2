import type { DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { defineService, type Idempotency, type ServiceDefinition } from "./service-definition.js";

/**
 * A service definition from the descriptor alone, with each method's
 * `idempotency_level` read from its options: what protoc-gen-kled writes
 * into generated code, for services known only by descriptor (the MCP
 * gateway's backends and proto tools, the CLI's reflected methods).
 */
export function serviceDefinitionOf(desc: DescService): ServiceDefinition {
  return defineService(
    desc,
    Object.fromEntries(desc.methods.map((method) => [method.localName, { idempotency: idempotencyOf(method.idempotency) }])),
  );
}

function idempotencyOf(level: MethodOptions_IdempotencyLevel): Idempotency {
  switch (level) {
    case MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS:
      return "no-side-effects";
    case MethodOptions_IdempotencyLevel.IDEMPOTENT:
      return "idempotent";
    case MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN:
      return "unknown";
  }
}
