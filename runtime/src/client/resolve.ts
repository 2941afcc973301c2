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

/**
 * Finds the records (all versions, with nodes) of a service by name. A
 * lookup still running at the call's `deadline` fails the call then.
 */
export interface Resolver {
  (serviceName: string, deadline?: Date): Promise<ServiceRecord[]>;
  /**
   * The records of a service known right now without waiting (a registry
   * cache's hit), or undefined to ask the resolver; optional. It spares
   * most calls the resolver's promise.
   */
  readonly known?: (serviceName: string) => ServiceRecord[] | undefined;
}

/**
 * The plain resolver: asks the registry on every call. A registry cache
 * answers with its shared, frozen records: the selector only reads them,
 * and a copy per call is wasted work.
 */
export function registryResolver(registry: Registry): Resolver {
  const cache = registry instanceof CachedRegistry ? registry : undefined;
  const lookUp = cache === undefined ? (name: string) => registry.getService(name) : (name: string) => cache.sharedRecords(name);
  const resolve: Resolver = async (serviceName, deadline) => {
    try {
      // A cache hit answers at once: no timer for the deadline on the hot path.
      const cached = cache?.cachedRecords(serviceName);
      if (cached !== undefined) return cached;
      const lookup = lookUp(serviceName);
      return deadline === undefined ? await lookup : await beforeDeadline(lookup, deadline, serviceName, registry.name);
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
  return cache === undefined ? resolve : Object.assign(resolve, { known: (name: string) => cache.cachedRecords(name) });
}

/**
 * `lookup`, unless the deadline passes first: the time a lookup takes is
 * the call's, and the error says where it went, instead of leaving the
 * transport a deadline already spent.
 */
function beforeDeadline<T>(lookup: Promise<T>, deadline: Date, serviceName: string, registryName: string): Promise<T> {
  const started = Date.now();
  const leftMs = deadline.getTime() - started;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new KledError(
          Code.DeadlineExceeded,
          `no node of "${serviceName}" found in the ${registryName} registry within ${Math.max(0, leftMs)} ms (the call's deadline)`,
        ),
      );
    }, Math.max(0, leftMs));
  });
  return Promise.race([lookup, expired]).finally(() => clearTimeout(timer));
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
export function targetNode(
  request: ClientRequest,
  exclude: ReadonlySet<string>,
  resolve: Resolver,
  selector: Selector,
): NodeTarget | Promise<NodeTarget> {
  if (request.address !== undefined) return { id: request.address, address: request.address };
  const options = { exclude, service: request.serviceName };
  // Known records are picked from at once (a throw is the caller's rejection); others after the lookup.
  const known = resolve.known?.(request.serviceName);
  if (known !== undefined) return selector.select(known, options);
  return resolve(request.serviceName, request.deadline).then((services) => selector.select(services, options));
}
