import { TOOL_ENDPOINT_METADATA_KEY, type ServiceDefinition } from "../definition/index.js";
import type { Endpoint } from "../registry/registry.js";

/**
 * The registry endpoints of the proto services a server hosts: one per
 * method, with the full request and response type names, so that `kled
 * service describe` and callers can see what a service serves without
 * reflection. A method that is an MCP tool carries the tool as JSON under
 * {@link TOOL_ENDPOINT_METADATA_KEY}, which is how a gateway learns a new
 * service's tools from the registry alone.
 */
export function endpointsOf(definitions: Iterable<ServiceDefinition>): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const definition of definitions) {
    for (const method of Object.values(definition.methods)) {
      endpoints.push({
        name: method.path,
        request: method.input.typeName,
        response: method.output.typeName,
        metadata: {
          kind: method.kind,
          idempotency: method.idempotency,
          ...(method.tool !== undefined ? { [TOOL_ENDPOINT_METADATA_KEY]: JSON.stringify(method.tool) } : {}),
        },
      });
    }
  }
  return endpoints;
}
