/**
 * Where a call goes: the registry lookup and the node selection, kept apart
 * from the transport so that a caching resolver can replace the lookup.
 */
import { CachedRegistry } from "../registry/cache/cached-registry.js";
import type { Registry, ServiceRecord } from "../registry/registry.js";
import type { Selector } from "../selector/selector.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { messageOf } from "../errors/message-of.js";
import type { NodeTarget } from "../resilience/resilience.js";
import type { ClientRequest } from "./middleware.js";

/** Finds the records (all versions, with nodes) of a service by name. */
export type Resolver = (serviceName: string) => Promise<ServiceRecord[]>;

/**
 * The plain resolver: asks the registry on every call. A registry cache
 * answers with its shared, frozen records: the selector only reads them,
 * and a copy per call is wasted work.
 */
export function registryResolver(registry: Registry): Resolver {
  const lookUp =
    registry instanceof CachedRegistry ? (name: string) => registry.sharedRecords(name) : (name: string) => registry.getService(name);
  return async (serviceName) => {
    try {
      return await lookUp(serviceName);
    } catch (error) {
      if (error instanceof KledError) throw error;
      throw new KledError(
        Code.Unavailable,
        `service "${serviceName}": registry "${registry.name}" lookup failed: ${messageOf(error)}`,
        {},
        { cause: error },
      );
    }
  };
}

/** A resolver for clients without a registry: only direct addresses work. */
export const noRegistry: Resolver = async (serviceName) => {
  throw new KledError(
    Code.FailedPrecondition,
    `service "${serviceName}": the client has no registry; pass one in the client options, or an address in the service client options`,
  );
};

/**
 * The node to call: the request's own address (its id is the address), or a
 * node the selector picks, skipping the ids in `exclude`.
 */
export async function targetNode(
  request: ClientRequest,
  exclude: ReadonlySet<string>,
  resolve: Resolver,
  selector: Selector,
): Promise<NodeTarget> {
  if (request.address !== undefined) return { id: request.address, address: request.address };
  const services = await resolve(request.serviceName);
  return selector.select(services, { exclude, service: request.serviceName });
}
