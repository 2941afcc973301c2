import type { ServiceDefinition } from "../definition/service-definition.js";
import type { ServerMiddleware } from "./middleware.js";

/** Options of {@link Server.register}. */
export interface RegisterHandlerOptions {
  /** Middleware for this service only; runs inside the server-wide middleware. */
  middleware?: readonly ServerMiddleware[];
}

/**
 * Serves registered services over gRPC (the go-micro `server.Server` shape).
 * Generated `register…Handler` functions call {@link register}.
 */
export interface Server {
  /**
   * Serves `definition` with `handler`, an object (or class instance) with
   * one method per RPC, named by the method's local name. Throws when a
   * method is missing, the service is already registered, or the server is
   * already listening.
   */
  register(definition: ServiceDefinition, handler: object, options?: RegisterHandlerOptions): void;
  /**
   * Starts serving on `address` (`host:port`; port 0 picks a free one) and
   * resolves with the bound address, e.g. `127.0.0.1:50123`.
   */
  listen(address?: string): Promise<string>;
  /**
   * Stops accepting calls, waits up to `graceMs` for in-flight calls to
   * finish, then aborts the rest and closes every connection.
   */
  shutdown(graceMs?: number): Promise<void>;
  /** The registered services, in registration order. */
  readonly services: readonly ServiceDefinition[];
  /** Calls whose handler has not finished yet. */
  readonly inFlight: number;
}
