import type { DescMethod, DescService, FileRegistry } from "@bufbuild/protobuf";
import { CliError } from "../cli-error.js";
import type { ReflectionClient } from "@kled/runtime";
import type { MethodRef } from "./method-ref.js";

/** A method found through reflection, with the registry of every type it may need (for JSON and `Any`). */
export interface ResolvedMethod {
  service: DescService;
  method: DescMethod;
  registry: FileRegistry;
}

/**
 * Finds the method `ref` names on the node `reflection` talks to. `where`
 * names the node in error messages, e.g. `kled.mcp.tools (127.0.0.1:50051)`.
 * A bare method name must match exactly one method of the node's services.
 */
export async function resolveMethod(reflection: ReflectionClient, ref: MethodRef, where: string): Promise<ResolvedMethod> {
  const names = ref.service === undefined ? await reflection.listServices() : [ref.service];
  for (const name of names) {
    if (!(await reflection.loadSymbol(name)) && ref.service !== undefined) {
      throw new CliError(
        `service "${ref.service}" is not served by ${where}; it serves: ${(await reflection.listServices()).join(", ")}`,
      );
    }
  }
  const registry = await reflection.registry();
  const services = names.map((name) => registry.getService(name)).filter((s): s is DescService => s !== undefined);
  if (ref.service !== undefined && services.length === 0) {
    throw new CliError(`"${ref.service}" is not a service of ${where}; it serves: ${(await reflection.listServices()).join(", ")}`);
  }
  const matches = services.flatMap((service) =>
    service.methods.filter((method) => method.name === ref.method).map((method) => ({ service, method, registry })),
  );
  const [match, ...others] = matches;
  if (match === undefined) {
    const available = services.flatMap((service) => service.methods.map((method) => fullName(service, method)));
    throw new CliError(
      `method "${ref.method}" not found on ${where}; available: ${available.length === 0 ? "none" : available.join(", ")}`,
    );
  }
  if (others.length > 0) {
    const candidates = matches.map((m) => fullName(m.service, m.method)).join(", ");
    throw new CliError(`method "${ref.method}" is ambiguous on ${where}: ${candidates}; give the service too`);
  }
  return match;
}

/** `pkg.Service/Method`, the way `kled call` accepts and prints methods. */
export function fullName(service: DescService, method: DescMethod): string {
  return `${service.typeName}/${method.name}`;
}
