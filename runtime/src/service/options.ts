import type { ClientMiddleware } from "../client/middleware.js";
import type { Logger } from "../logging/logger.js";
import type { Registry } from "../registry/registry.js";
import type { ResilienceConfig } from "../resilience/config.js";
import type { Resilience } from "../resilience/resilience.js";
import type { Selector } from "../selector/selector.js";
import type { ServerMiddleware } from "../server/middleware.js";
import type { ServerCredentialsOptions } from "../server/credentials.js";
import type { ServicePlugin } from "./plugin.js";
import type { TransportOption } from "../transport/transport-spec.js";

/** Version registered when none is given. */
export const DEFAULT_SERVICE_VERSION = "latest";


/** Options of {@link Service}. Every field but `name` has a documented default. */
export interface ServiceOptions {
  /** The name other services call it by, e.g. `"kled.mcp.tools"`. */
  name: string;
  /** Default {@link DEFAULT_SERVICE_VERSION}. */
  version?: string;
  /** Registered with the service record, e.g. `{ team: "search" }`. */
  metadata?: Record<string, string>;
  /** Registered with this node only, e.g. `{ zone: "eu-1" }`. */
  nodeMetadata?: Record<string, string>;
  /**
   * `host:port` to listen on. Default: `KLED_ADDRESS`, else the server's
   * `DEFAULT_LISTEN_ADDRESS` (loopback, any free port).
   */
  address?: string;
  /**
   * The address registered for clients to dial. Default: the bound address,
   * with a wildcard host replaced by this host's first external IPv4.
   */
  advertise?: string;
  /** Default: the registry `KLED_REGISTRY` names (mDNS when unset). */
  registry?: Registry;
  /** Registration TTL in ms. Default: the registry's `DEFAULT_REGISTER_TTL_MS`. */
  registerTtlMs?: number;
  /** Re-registration interval in ms; must be below the TTL. Default `DEFAULT_REGISTER_INTERVAL_MS`. */
  registerIntervalMs?: number;
  /** Default: the server's `DEFAULT_SHUTDOWN_GRACE_MS` (10 s). */
  shutdownGraceMs?: number;
  /**
   * Milliseconds to keep serving after deregistering, before the server
   * stops accepting and drains, so that peers see the node leave before its
   * port closes; counts against `shutdownGraceMs`. 0 for none. Default:
   * `KLED_DEREGISTER_DELAY_MS`, else `DEFAULT_DEREGISTER_DELAY_MS` (3 s, at
   * most half of `shutdownGraceMs`), or 0 on a MemoryRegistry (its peers are
   * in this process).
   */
  deregisterDelayMs?: number;
  /** Server middleware, first outermost; a logging middleware is added outside them unless `logCalls` is false. */
  middleware?: readonly ServerMiddleware[];
  /** Middleware for the service's own client. */
  clientMiddleware?: readonly ClientMiddleware[];
  /**
   * Timeout, retry, circuit breaker and bulkhead policies of the service's
   * own client: a Resilience (shared state and events), its configuration,
   * or false for none. Default: the file `KLED_RESILIENCE_CONFIG` names,
   * else the documented defaults. Its events are logged with `logger`.
   */
  resilience?: Resilience | ResilienceConfig | false;
  /** How the service's own client picks nodes, e.g. `new LoadAwareSelector()`. Default: round-robin. */
  selector?: Selector;
  /** Log one line per served and per made call. Default true. */
  logCalls?: boolean;
  /** Default: a console logger at `KLED_LOG_LEVEL` (info). */
  logger?: Logger;
  /** TLS or mTLS for the server; plaintext when absent. */
  credentials?: ServerCredentialsOptions;
  /**
   * Plugins (e.g. `otel()` of `@kled/runtime/otel`), first outermost: their
   * middleware runs outside call logging and `middleware`. Default none.
   */
  plugins?: readonly ServicePlugin[];
  /**
   * `"nats"` (or `"nats://host:port"`): the service serves its handlers over
   * NATS request-reply as well as gRPC (its node advertises the subject as
   * `nats.subject`), and its client calls such nodes over NATS. Default:
   * `KLED_TRANSPORT`, else `"grpc"`.
   */
  transport?: TransportOption;
}
