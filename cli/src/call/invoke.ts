import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import {
  type CallOptions,
  type Client,
  defineService,
  type Idempotency,
  type MethodCall,
  type MethodDefinition,
  type MethodInfo,
} from "@kled/runtime";

/**
 * Calls `method` of `service` (descriptors known only at run time) on the
 * node at `address` through the runtime's client (grpc-js underneath,
 * protobuf binary on the wire) and yields the responses: one for unary and
 * client-streaming methods, each streamed message otherwise.
 */
export async function* invoke(
  client: Client,
  service: DescService,
  method: DescMethod,
  address: string,
  requests: readonly Message[],
  options: CallOptions,
): AsyncGenerator<Message> {
  const definition = defineService(service, methodInfo(service));
  const call: MethodCall = {
    service: definition,
    method: definition.methods[method.localName] as MethodDefinition,
    defaults: { address },
  };
  const [first = {}] = requests;
  switch (method.methodKind) {
    case "unary":
      yield await client.unary(call, first, options);
      return;
    case "server_streaming":
      yield* client.serverStream(call, first, options);
      return;
    case "client_streaming":
      yield await client.clientStream(call, each(requests), options);
      return;
    case "bidi_streaming":
      yield* client.bidiStream(call, each(requests), options);
      return;
  }
}

/** The per-method facts protoc-gen-kled would generate, read from the reflected descriptor. */
function methodInfo(service: DescService): Record<string, MethodInfo> {
  return Object.fromEntries(service.methods.map((method) => [method.localName, { idempotency: idempotency(method.idempotency) }]));
}

function idempotency(level: MethodOptions_IdempotencyLevel): Idempotency {
  switch (level) {
    case MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS:
      return "no-side-effects";
    case MethodOptions_IdempotencyLevel.IDEMPOTENT:
      return "idempotent";
    case MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN:
      return "unknown";
  }
}

async function* each(messages: readonly Message[]): AsyncGenerator<Message> {
  yield* messages;
}
