import type { ServiceDefinition } from "../definition/index.js";
import type { Endpoint } from "../registry/registry.js";

/**
 * The registry endpoints of the proto services a server hosts: one per
 * method, with the full request and response type names, so that `kled
 * service describe` and callers can see what a service serves without
 * reflection.
 */
export function endpointsOf(definitions: Iterable<ServiceDefinition>): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const definition of definitions) {
    for (const method of Object.values(definition.methods)) {
      endpoints.push({
        name: method.path,
        request: method.input.typeName,
        response: method.output.typeName,
        metadata: { kind: method.kind, idempotency: method.idempotency },
      });
    }
  }
  return endpoints;
}
