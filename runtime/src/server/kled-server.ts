import * as grpc from "@grpc/grpc-js";
import { createCodecs, type Codecs } from "../codec/codecs.js";
import type { ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { consoleLogger } from "../logging/console-logger.js";
import type { Logger } from "../logging/logger.js";
import { ConnectionGuard } from "./connection-guard.js";
import { tlsServerOptions, type ServerCredentialsOptions } from "./credentials.js";
import { grpcHandler, type MethodBinding } from "./grpc-handler.js";
import { Health, healthServiceDesc } from "./health.js";
import { InFlightCalls } from "./in-flight.js";
import { handlerMethods, handlerStep } from "./invoke-handler.js";
import { chainServerMiddleware, type ServerMiddleware } from "./middleware.js";
import { connectionLimits, grpcServerOptions, type ServerLimits } from "./limits.js";
import { maxBufferedResponseBytes } from "./response-sender.js";
import { listenOptions } from "./listen-address.js";
import { addReflection } from "./reflection.js";
import type { RegisterHandlerOptions, Server } from "./server.js";
import type { ServerTransport } from "./server-transport.js";
import { serverTransport } from "../transport/load-transport.js";
import { resolveTransport, type TransportOption } from "../transport/transport-spec.js";

/** Where {@link KledServer.listen} binds by default: loopback, any free port. */
export const DEFAULT_LISTEN_ADDRESS = "127.0.0.1:0";

/**
 * How long {@link KledServer.shutdown} (and so a stopping Service) waits for
 * in-flight calls by default, in milliseconds, before aborting them: long
 * enough for ordinary unary calls, and it fits inside the 30 s that
 * Kubernetes and systemd give a process between SIGTERM and SIGKILL, with
 * room to close.
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Options of {@link KledServer}. */
export interface KledServerOptions {
  /** Middleware for every service, the first outermost; see middleware.ts. */
  middleware?: readonly ServerMiddleware[];
  /** Parent of every call's logger. Default: a console logger at `info`. */
  logger?: Logger;
  /** Codecs requests may use. Default: protobuf binary and proto3 JSON. */
  codecs?: Codecs;
  /** TLS, or mTLS with `ca`. Default: plaintext. */
  credentials?: ServerCredentialsOptions;
  /** Serve `grpc.health.v1.Health`. Default true. */
  health?: boolean;
  /** Serve gRPC server reflection (v1 and v1alpha). Default true. */
  reflection?: boolean;
  /**
   * Limits on connections, handshake time, streams per connection, idle
   * connections, keepalive and message sizes. Default: the DEFAULT_
   * constants of limits.ts.
   */
  limits?: ServerLimits;
  /** grpc-js server options, e.g. `{ "grpc.max_receive_message_length": 8 << 20 }`; they win over `limits`. */
  grpcOptions?: grpc.ServerOptions;
  /**
   * `"nats"` (or `"nats://host:port"`) serves the same handlers over NATS
   * request-reply as well, through the same middleware and context, and
   * adds the node's subject to {@link KledServer.nodeMetadata}; gRPC is
   * always served. Default: `KLED_TRANSPORT`, else `"grpc"` alone.
   */
  transport?: TransportOption;
}

/** A {@link Server} on `@grpc/grpc-js`. */
export class KledServer implements Server {
  readonly #grpc: grpc.Server;
  readonly #options: KledServerOptions;
  readonly #logger: Logger;
  readonly #codecs: Codecs;
  readonly #services: ServiceDefinition[] = [];
  readonly #calls = new InFlightCalls();
  readonly #bindings = new Map<string, MethodBinding>();
  readonly #transport: ServerTransport | undefined;
  #nodeMetadata: Record<string, string> = {};
  #health: Health | undefined;
  #guard: ConnectionGuard | undefined;
  #standardServicesAdded = false;
  #address: string | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: KledServerOptions = {}) {
    this.#options = options;
    this.#grpc = new grpc.Server(grpcServerOptions(options.limits, options.grpcOptions));
    connectionLimits(options.limits); // a bad limit fails here, not at listen()
    this.#logger = options.logger ?? consoleLogger();
    this.#codecs = options.codecs ?? createCodecs();
    this.#transport = serverTransport(resolveTransport(options.transport));
  }

  /**
   * What the registry node of this server should carry for clients to reach
   * it by other transports than gRPC (e.g. `nats.subject`), once listening.
   */
  get nodeMetadata(): Readonly<Record<string, string>> {
    return this.#nodeMetadata;
  }

  get services(): readonly ServiceDefinition[] {
    return this.#services;
  }

  get inFlight(): number {
    return this.#calls.size;
  }

  /** The bound address once listening, e.g. `127.0.0.1:50123`. */
  get address(): string | undefined {
    return this.#address;
  }

  /** Resolves when no call is in flight. */
  drained(): Promise<void> {
    return this.#calls.drained();
  }

  register(definition: ServiceDefinition, handler: object, options: RegisterHandlerOptions = {}): void {
    if (this.#address !== undefined || this.#shutdown !== undefined) {
      throw new Error(
        `register ${definition.typeName}: the server is already listening; register every service before listen()`,
      );
    }
    if (this.#services.some((s) => s.typeName === definition.typeName)) {
      throw new Error(`register ${definition.typeName}: the service is already registered on this server`);
    }
    const methods = handlerMethods(definition, handler);
    const middleware = [...(this.#options.middleware ?? []), ...(options.middleware ?? [])];
    const grpcDefinition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of Object.values(definition.methods)) {
      const fn = methods.get(method.localName);
      if (fn === undefined) continue; // handlerMethods has thrown already
      grpcDefinition[method.localName] = {
        path: method.path,
        originalName: method.name,
        requestStream: method.kind === "client_streaming" || method.kind === "bidi_streaming",
        responseStream: method.kind === "server_streaming" || method.kind === "bidi_streaming",
        // Bytes pass through grpc-js untouched; the codec of each call decodes them.
        requestSerialize: passThrough,
        requestDeserialize: passThrough,
        responseSerialize: passThrough,
        responseDeserialize: passThrough,
      };
      const binding: MethodBinding = {
        service: definition,
        method,
        next: chainServerMiddleware(middleware, handlerStep(method, fn)),
        codecs: this.#codecs,
        logger: this.#logger,
        calls: this.#calls,
        maxBufferedResponseBytes: maxBufferedResponseBytes(this.#options.limits),
      };
      implementation[method.localName] = grpcHandler(binding);
      this.#bindings.set(method.path, binding);
    }
    this.#grpc.addService(grpcDefinition, implementation);
    this.#services.push(definition);
  }

  async listen(address: string = DEFAULT_LISTEN_ADDRESS): Promise<string> {
    if (this.#address !== undefined) {
      throw new Error(`listen ${address}: the server already listens on ${this.#address}; create another server`);
    }
    if (this.#shutdown !== undefined) throw new Error(`listen ${address}: the server was shut down; create a new one`);
    const bind = listenOptions(address);
    this.#addStandardServices();
    // grpc-js has no connection cap nor handshake timeout: connections are
    // accepted by the guard, which hands them to grpc-js once past their
    // handshake. TLS ends in the guard too (only there can its handshake be
    // timed), so grpc-js gets plaintext credentials and a TLS socket, and it
    // still reads the verified client certificate from that socket.
    const injector = this.#grpc.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const guard = new ConnectionGuard({
      ...connectionLimits(this.#options.limits),
      tls: tlsServerOptions(this.#options.credentials),
      serve: (connection) => injector.injectConnection(connection),
      logger: this.#logger,
    });
    let port: number;
    try {
      port = (await guard.listen(bind)).port;
    } catch (error) {
      injector.destroy();
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`listen ${address}: ${message}; is the port in use or the host not local?`, { cause: error });
    }
    if (this.#shutdown !== undefined) {
      guard.close();
      injector.destroy();
      throw new Error(`listen ${address}: the server was shut down while it bound; create a new one`);
    }
    if (this.#transport !== undefined) {
      try {
        this.#nodeMetadata = await this.#transport.serve(this.#bindings, this.#logger);
      } catch (error) {
        guard.close();
        injector.destroy();
        await this.#transport.close().catch(() => undefined);
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`listen ${address}: cannot serve over NATS: ${message}; is the NATS server running?`, { cause: error });
      }
    }
    this.#guard = guard;
    this.#address = `${address.slice(0, address.lastIndexOf(":"))}:${port}`;
    this.#logger.info("server listening", {
      address: this.#address,
      services: this.#services.map((s) => s.typeName),
    });
    return this.#address;
  }

  shutdown(graceMs: number = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.#shutdown ??= this.#stop(graceMs);
    return this.#shutdown;
  }

  #addStandardServices(): void {
    // Once only: a listen() that failed to bind may be retried.
    if (this.#standardServicesAdded) return;
    this.#standardServicesAdded = true;
    const reflected = this.#services.map((s) => s.desc);
    if (this.#options.health !== false) {
      this.#health = new Health(this.#services);
      this.#health.addToServer(this.#grpc);
      reflected.push(healthServiceDesc);
    }
    if (this.#options.reflection !== false) addReflection(this.#grpc, reflected);
  }

  async #stop(graceMs: number): Promise<void> {
    this.#health?.setServing(false);
    if (this.#address === undefined) return;
    this.#guard?.close();
    this.#transport?.stopAccepting();
    const graceful = new Promise<void>((resolve) => this.#grpc.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), graceMs);
    });
    // Health watches are open-ended: once Kled calls have drained, end them,
    // or they would hold the graceful close open for the whole grace period.
    const drained = this.#calls.drained().then(() => this.#health?.endWatches());
    const outcome = await Promise.race([Promise.all([graceful, drained]), expired]);
    clearTimeout(timer);
    if (outcome === "expired") {
      this.#logger.warn("shutdown grace period over; aborting calls in flight", { graceMs, inFlight: this.inFlight });
      this.#calls.abortAll(new KledError(Code.Unavailable, "the server is shutting down"));
      this.#grpc.forceShutdown();
    }
    await this.#transport?.close();
    this.#logger.info("server stopped", { address: this.#address });
  }
}

function passThrough(bytes: Buffer): Buffer {
  return bytes;
}
