import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import { type CallOptions, type Client, type MethodCall, type MethodDefinition, serviceDefinitionOf } from "@kled/runtime";

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
  const definition = serviceDefinitionOf(service);
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

async function* each(messages: readonly Message[]): AsyncGenerator<Message> {
  yield* messages;
}
