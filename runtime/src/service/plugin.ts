import type { ClientMiddleware } from "../client/middleware.js";
import type { MaybePromise } from "../definition/async-types.js";
import type { Logger } from "../logging/logger.js";
import type { ResilienceEvents } from "../resilience/events.js";
import type { ServerMiddleware } from "../server/middleware.js";
import type { Service } from "./service.js";

/** What a plugin learns about the service it joins, before the service's server and client exist. */
export interface ServicePluginInit {
  readonly name: string;
  readonly version: string;
  /** The service's logger. */
  readonly logger: Logger;
}

/** What a plugin adds to a service; every part optional. */
export interface ServicePluginHooks {
  /**
   * Server middleware that runs outside everything else, call logging
   * included, so that what the plugin sets up for a call (a trace span)
   * is in place while the call's log lines are written.
   */
  readonly serverMiddleware?: ServerMiddleware;
  /** Client middleware of the service's own client, outermost for the same reason. */
  readonly clientMiddleware?: ClientMiddleware;
  /** Runs once the service is built, with its client's resilience events (undefined with `resilience: false`). */
  readonly attach?: (service: Service, events: ResilienceEvents | undefined) => void;
  /** Runs once the service listens and is registered (its address is known). */
  readonly started?: (service: Service) => MaybePromise<void>;
  /** Runs last when the service stops, after the server and client closed. */
  readonly stopped?: () => MaybePromise<void>;
}

/**
 * Something that plugs into every call and the lifecycle of a service
 * without the core knowing what it is, e.g. `otel()` of
 * `@kled/runtime/otel`. Plugins of `ServiceOptions.plugins` apply in order,
 * the first outermost.
 */
export interface ServicePlugin {
  /** Short name for logs, e.g. `otel`. */
  readonly name: string;
  /** Called once by the service's constructor. */
  setup(init: ServicePluginInit): ServicePluginHooks;
}
