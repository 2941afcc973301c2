import { randomUUID } from "node:crypto";
import { KledClient } from "../client/kled-client.js";
import type { Client } from "../client/client.js";
import type { MaybePromise } from "../definition/async-types.js";
import { messageOf } from "../errors/message-of.js";
import { consoleLogger } from "../logging/console-logger.js";
import type { Logger } from "../logging/logger.js";
import { clientLogging, serverLogging } from "../call-logging/middleware.js";
import { resilienceFromEnv } from "../resilience/from-env.js";
import { logResilienceEvents } from "../resilience/log-events.js";
import { CachedRegistry } from "../registry/cache/cached-registry.js";
import { registryFromEnv } from "../registry/create-registry.js";
import {
  DEFAULT_REGISTER_INTERVAL_MS,
  DEFAULT_REGISTER_TTL_MS,
  type Node,
  type Registry,
  type ServiceRecord,
} from "../registry/registry.js";
import { DEFAULT_SHUTDOWN_GRACE_MS, KledServer } from "../server/kled-server.js";
import type { Server } from "../server/server.js";
import { advertisedAddress } from "./advertise.js";
import { deregisterDelayMs } from "./deregister-delay.js";
import { endpointsOf } from "./endpoints.js";
import {
  DEFAULT_SERVICE_VERSION,
  type ServiceOptions,
} from "./options.js";
import type { ServicePluginHooks } from "./plugin.js";
import { waitForStopSignal } from "./signals.js";

type State = "new" | "starting" | "running" | "stopping" | "stopped";

/**
 * A microservice: a gRPC server whose handlers are registered with the
 * generated `register…Handler` functions, announced in a registry, plus a
 * client on the same registry for calling other services (go-micro's
 * `micro.Service`).
 *
 * Lifecycle: {@link start} listens, then registers and refreshes the
 * registration every `registerIntervalMs`. {@link stop} deregisters first, so
 * that clients stop picking this node, keeps serving for `deregisterDelayMs`
 * while peers learn of it, runs the {@link beforeStop} hooks, then stops
 * accepting calls, drains the in-flight ones for what remains of
 * `shutdownGraceMs`, and closes. {@link run} does both around SIGINT/SIGTERM.
 */
export class Service {
  readonly name: string;
  readonly version: string;
  readonly server: Server;
  readonly client: Client;
  readonly registry: Registry;
  readonly logger: Logger;

  private readonly options: ServiceOptions;
  private readonly ownsRegistry: boolean;
  private readonly cache: CachedRegistry;
  private state: State = "new";
  private node: Node | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly beforeStopHooks: Array<() => MaybePromise<void>> = [];
  private readonly stopLoggingResilience: (() => void) | undefined;
  private readonly deregisterDelayMs: number;
  /** Aborted by a second stop signal: the deregister delay ends at once. */
  private readonly hurry = new AbortController();
  private readonly plugins: readonly ServicePluginHooks[];
  /** The server, as built: its node metadata says how to reach it over other transports than gRPC. */
  private readonly kledServer: KledServer;

  constructor(options: ServiceOptions) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.name)) {
      throw new Error(
        `service name ${JSON.stringify(options.name)}: use letters, digits, ".", "_" or "-", starting with a letter or digit`,
      );
    }
    const ttl = options.registerTtlMs ?? DEFAULT_REGISTER_TTL_MS;
    const interval = options.registerIntervalMs ?? DEFAULT_REGISTER_INTERVAL_MS;
    if (!(interval > 0 && interval < ttl)) {
      throw new Error(
        `service ${options.name}: registerIntervalMs (${interval}) must be positive and below registerTtlMs (${ttl}), or the registration lapses between refreshes`,
      );
    }
    this.options = options;
    this.name = options.name;
    this.version = options.version ?? DEFAULT_SERVICE_VERSION;
    this.logger = (options.logger ?? consoleLogger()).child({ service: this.name });
    this.ownsRegistry = options.registry === undefined;
    this.registry = options.registry ?? registryFromEnv();
    this.deregisterDelayMs = deregisterDelayMs(
      options.name,
      options.deregisterDelayMs,
      this.registry,
      options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
    );
    const logCalls = options.logCalls ?? true;
    this.plugins = (options.plugins ?? []).map((plugin) => plugin.setup({ name: this.name, version: this.version, logger: this.logger }));
    const pluginServer = this.plugins.flatMap((hooks) => (hooks.serverMiddleware === undefined ? [] : [hooks.serverMiddleware]));
    const pluginClient = this.plugins.flatMap((hooks) => (hooks.clientMiddleware === undefined ? [] : [hooks.clientMiddleware]));
    const server = new KledServer({
      logger: this.logger,
      middleware: [...pluginServer, ...(logCalls ? [serverLogging()] : []), ...(options.middleware ?? [])],
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    });
    this.server = server;
    this.kledServer = server;
    // Calls resolve through a watch-fed cache: no registry round trip per
    // call, and the last known nodes keep serving while the registry is down.
    this.cache = new CachedRegistry(this.registry, { logger: this.logger, closeWrapped: false });
    const client = new KledClient({
      registry: this.cache,
      logger: this.logger,
      middleware: [...pluginClient, ...(logCalls ? [clientLogging(this.logger)] : []), ...(options.clientMiddleware ?? [])],
      resilience: options.resilience ?? resilienceFromEnv(),
      ...(options.transport === undefined ? {} : { transport: options.transport }),
      ...(options.selector === undefined ? {} : { selector: options.selector }),
    });
    this.client = client;
    const resilience = client.resilience;
    this.stopLoggingResilience = resilience === undefined ? undefined : logResilienceEvents(resilience.events, this.logger);
    for (const hooks of this.plugins) hooks.attach?.(this, resilience?.events);
  }

  /** The address clients dial, once started. */
  get address(): string | undefined {
    return this.node?.address;
  }

  /** This instance's node id in the registry, once started. */
  get nodeId(): string | undefined {
    return this.node?.id;
  }

  /**
   * Adds a hook that runs when the service stops, after it has left the
   * registry and before the server drains: the place to end long-lived work
   * (open streams, background jobs) so that the drain does not wait out the
   * grace period. Hooks run in the order added; a failing hook is logged and
   * the stop goes on.
   */
  beforeStop(hook: () => MaybePromise<void>): this {
    this.beforeStopHooks.push(hook);
    return this;
  }

  /** Listens, registers, and keeps the registration fresh. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`service ${this.name}: start() called when already ${this.state}`);
    this.state = "starting";
    const bound = await this.server.listen(this.options.address ?? envAddress());
    this.node = {
      id: `${this.name}-${randomUUID()}`,
      address: this.options.advertise ?? advertisedAddress(bound),
      metadata: { ...this.options.nodeMetadata, pid: String(process.pid), ...this.kledServer.nodeMetadata },
    };
    try {
      for (const hooks of this.plugins) await hooks.started?.(this);
    } catch (error) {
      await this.server.shutdown(0);
      this.state = "stopped";
      throw error;
    }
    try {
      await this.register();
    } catch (error) {
      await this.server.shutdown(0);
      this.state = "stopped";
      throw new Error(`service ${this.name}: cannot register with the ${this.registry.name} registry: ${messageOf(error)}`, {
        cause: error,
      });
    }
    this.refreshTimer = setInterval(() => {
      this.register().catch((error: unknown) =>
        this.logger.warn("registration refresh failed; retrying at the next interval", {
          registry: this.registry.name,
          error,
        }),
      );
    }, this.options.registerIntervalMs ?? DEFAULT_REGISTER_INTERVAL_MS);
    this.refreshTimer.unref();
    this.state = "running";
    this.logger.info("service started", {
      version: this.version,
      address: this.node.address,
      node: this.node.id,
      registry: this.registry.name,
    });
  }

  /**
   * Deregisters, stops accepting calls, drains in-flight calls for up to
   * `shutdownGraceMs`, then closes the server, the client and (when the
   * service created it) the registry. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /**
   * Starts, waits for SIGINT or SIGTERM, then stops gracefully. A second
   * signal during the stop aborts in-flight calls at once.
   */
  async run(): Promise<void> {
    await this.start();
    const signal = await waitForStopSignal();
    this.logger.info("stopping", { signal });
    const stopped = this.stop();
    const force = (): void => {
      this.logger.warn("second stop signal: aborting in-flight calls");
      this.hurry.abort();
      void this.server.shutdown(0);
    };
    process.once("SIGINT", force).once("SIGTERM", force);
    try {
      await stopped;
    } finally {
      process.off("SIGINT", force).off("SIGTERM", force);
    }
  }

  private register(): Promise<void> {
    return this.registry.register(this.record(), {
      ttlMs: this.options.registerTtlMs ?? DEFAULT_REGISTER_TTL_MS,
    });
  }

  private record(): ServiceRecord {
    if (this.node === undefined) throw new Error(`service ${this.name}: not started`);
    return {
      name: this.name,
      version: this.version,
      metadata: { ...this.options.metadata },
      endpoints: endpointsOf(this.server.services),
      nodes: [this.node],
    };
  }

  private async doStop(): Promise<void> {
    const wasRunning = this.state === "running";
    this.state = "stopping";
    clearInterval(this.refreshTimer);
    if (wasRunning) {
      await this.registry.deregister(this.record()).catch((error: unknown) =>
        this.logger.warn("deregistration failed; the node expires after its TTL", { error }),
      );
    }
    // Still serving: a peer that has not yet heard of the deregistration
    // finds an open port. The pause is taken from the shutdown grace.
    const graceMs = this.options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    const delayMs = wasRunning ? Math.min(this.deregisterDelayMs, graceMs) : 0;
    const waitedMs = delayMs > 0 ? await this.pause(delayMs) : 0;
    for (const hook of this.beforeStopHooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error("a beforeStop hook failed; stopping anyway", { error });
      }
    }
    const started = Date.now();
    await this.server.shutdown(Math.max(0, graceMs - waitedMs));
    await this.client.close();
    this.stopLoggingResilience?.();
    await this.cache.close();
    if (this.ownsRegistry) await this.registry.close();
    for (const hooks of this.plugins) await hooks.stopped?.();
    this.state = "stopped";
    if (wasRunning) this.logger.info("service stopped", { drainMs: Date.now() - started });
  }

  /** Waits `ms` (less after a second stop signal); resolves with the milliseconds waited. */
  private pause(ms: number): Promise<number> {
    const started = performance.now();
    this.logger.info("deregistered; still serving while peers learn of it", { deregisterDelayMs: ms });
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(Math.round(performance.now() - started));
      };
      const timer = setTimeout(done, ms);
      if (this.hurry.signal.aborted) done();
      else this.hurry.signal.addEventListener("abort", done, { once: true });
    });
  }
}

function envAddress(): string | undefined {
  const value = process.env["KLED_ADDRESS"]?.trim();
  return value === undefined || value === "" ? undefined : value;
}
