import { A2AService } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { serviceDefinitionOf } from "../../definition/service-definition-of.js";
import type { MethodDefinition } from "../../definition/service-definition.js";

/**
 * lf.a2a.v1.A2AService from the runtime's own descriptors, with the retry
 * facts of its proto (GetTask, ListTasks… are NO_SIDE_EFFECTS; SendMessage is
 * never retried).
 */
export const A2A_SERVICE = serviceDefinitionOf(A2AService);

/** The full proto name every A2A agent serves; a registry record with endpoints under it is an agent. */
export const A2A_SERVICE_TYPE = A2A_SERVICE.typeName;

/** The A2A methods by their proto name, which is also their JSON-RPC method name (A2A 1.0, section 5.3). */
export const A2A_METHODS: ReadonlyMap<string, MethodDefinition> = new Map(
  Object.values(A2A_SERVICE.methods).map((method) => [method.name, method]),
);

/** The method named `name` (e.g. `GetTask`); throws on a name A2AService does not have (a bug in a route table). */
export function a2aMethod(name: string): MethodDefinition {
  const method = A2A_METHODS.get(name);
  if (method === undefined) throw new Error(`lf.a2a.v1.A2AService has no method ${name}`);
  return method;
}
