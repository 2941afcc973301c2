import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";

/**
 * The runtime's spelling of the standard `idempotency_level` method option;
 * mirrors `Idempotency` in @kled/runtime (the plugin does not depend on it).
 */
export type Idempotency = "unknown" | "no-side-effects" | "idempotent";

/** Maps a method's `idempotency_level` to the value written into generated method info. */
export function idempotencyOf(method: DescMethod): Idempotency {
  const level: MethodOptions_IdempotencyLevel = method.idempotency;
  switch (level) {
    case MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN:
      return "unknown";
    case MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS:
      return "no-side-effects";
    case MethodOptions_IdempotencyLevel.IDEMPOTENT:
      return "idempotent";
    default:
      // An enum value newer than this plugin: treating it as "unknown" keeps
      // the runtime from retrying a method it cannot prove safe to repeat.
      return "unknown";
  }
}
