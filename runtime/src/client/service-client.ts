import type { ServiceDefinition } from "../definition/service-definition.js";
import type { Client, ServiceClientOptions } from "./client.js";

/**
 * Builds a typed service client: one function per RPC, named by the
 * method's local name, bound to `client` with `options` as defaults.
 * Generated `create…Client` functions call it with their client interface
 * as `T`; the descriptor guarantees the shapes match.
 */
export function createServiceClient<T>(client: Client, definition: ServiceDefinition, options: ServiceClientOptions = {}): T {
  const methods: Record<string, unknown> = {};
  for (const method of Object.values(definition.methods)) {
    const call = { service: definition, method, defaults: options };
    switch (method.kind) {
      case "unary":
        methods[method.localName] = client.unary.bind(client, call);
        break;
      case "server_streaming":
        methods[method.localName] = client.serverStream.bind(client, call);
        break;
      case "client_streaming":
        methods[method.localName] = client.clientStream.bind(client, call);
        break;
      case "bidi_streaming":
        methods[method.localName] = client.bidiStream.bind(client, call);
        break;
    }
  }
  return methods as T;
}
