import { create, isMessage, type DescMessage, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { createCodecs, DEFAULT_CODEC_NAME, type Codecs } from "../codec/codecs.js";
import { CachedRegistry, type CachedRegistryOptions } from "../registry/cache/cached-registry.js";
import { createRegistry } from "../registry/create-registry.js";
import type { Registry } from "../registry/registry.js";
import { RoundRobinSelector } from "../selector/round-robin.js";
import type { Selector } from "../selector/selector.js";
import { KledError } from "../errors/kled-error.js";
import { silentLogger, type Logger } from "../logging/logger.js";
import { newRequest, type CallDefaults } from "./call-setup.js";
import type { AnyMessageInit, CallOptions, Client, MethodCall } from "./client.js";
import { Connections } from "./connections.js";
import { clientCredentials, type ClientCredentialsOptions } from "./credentials.js";
import { chainClientMiddleware, type ClientMiddleware, type ClientNext, type ClientRequest, type ClientResponse } from "./middleware.js";
import { nodeCaller } from "./node-caller.js";
import type { NodeTransport } from "./node-transport.js";
import { clientTransport } from "../transport/load-transport.js";
import { resolveTransport, type TransportOption } from "../transport/transport-spec.js";
import { noRegistry, registryResolver, type Resolver } from "./resolve.js";
import type { ResilienceConfig } from "../resilience/config.js";
import { Resilience } from "../resilience/resilience.js";

/**
 * Default timeout of unary and client-streaming calls, in milliseconds:
 * go-micro's `RequestTimeout` in this project's plan (30 s).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * grpc-js channel options under the caller's `grpcOptions`: no channelz
 * bookkeeping (a registered channel, subchannel and socket with traces, and
 * counters per call) for a service Kled does not serve.
 */
const CHANNEL_DEFAULTS: grpc.ChannelOptions = { "grpc.enable_channelz": 0 };

/** Options of {@link KledClient}. */
export interface KledClientOptions {
  /**
   * Where services are found: a {@link Registry}, which stays its owner's to
   * close, or a spec of `createRegistry` (`"mdns"`, `"memory"`,
   * `"consul://host:port"`), which the client opens and closes with itself.
   * Without one, only calls with an `address` work.
   */
  registry?: Registry | string;
  /**
   * The cache in front of the registry, fed by its watch, so that a call
   * does not wait for a lookup (an mDNS one takes up to 200 ms). Default: a
   * {@link CachedRegistry} with its defaults, unless the registry is one
   * already; `false` for a lookup on every call.
   */
  registryCache?: Omit<CachedRegistryOptions, "closeWrapped"> | false;
  /** Replaces the registry lookup altogether. */
  resolve?: Resolver;
  /** Which node of a service a call goes to. Default: round-robin. */
  selector?: Selector;
  /** Middleware of every call, the first outermost; see middleware.ts. */
  middleware?: readonly ClientMiddleware[];
  /** Codec name, `proto` or `json`. Default `proto`. */
  codec?: string;
  /** Codecs the client knows. Default: protobuf binary and proto3 JSON. */
  codecs?: Codecs;
  /** Timeout of unary and client-streaming calls, ms. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** TLS, or mTLS with cert and key. Default: plaintext. */
  credentials?: ClientCredentialsOptions;
  /** Receives the client's own records (connections opened). Default: silent. */
  logger?: Logger;
  /** grpc-js channel options, e.g. `{ "grpc.keepalive_time_ms": 30_000 }`. */
  grpcOptions?: grpc.ChannelOptions;
  /**
   * Timeout, retry, per-node circuit breakers and per-service bulkheads
   * (see resilience/resilience.ts): a {@link Resilience} (share one to share
   * breaker state and events), its configuration, or `false` for none.
   * Default: a Resilience with the documented defaults.
   */
  resilience?: Resilience | ResilienceConfig | false;
  /**
   * `"nats"` (or `"nats://host:port"`): calls to nodes that advertise a NATS
   * subject (servers with `transport: "nats"`) go over NATS request-reply,
   * calls to other nodes and to direct addresses over gRPC. Default:
   * `KLED_TRANSPORT`, else `"grpc"`.
   */
  transport?: TransportOption;
}

/**
 * A {@link Client} on `@grpc/grpc-js`, finding nodes through a registry.
 * A call runs the middleware (first outermost), then the resilience policies
 * (deadline → retry → per-node breaker → per-service bulkhead), which pick a
 * node with the selector for each attempt, then the transport.
 */
export class KledClient implements Client {
  readonly #connections: Connections;
  readonly #next: ClientNext;
  readonly #defaults: CallDefaults;
  readonly #resilience: Resilience | undefined;
  readonly #transport: NodeTransport | undefined;
  /** What close() closes besides the connections: the cache, and the registry when the client opened it. */
  readonly #opened: Registry | undefined;

  constructor(options: KledClientOptions = {}) {
    const tls = clientCredentials(options.credentials);
    this.#connections = new Connections(tls.credentials, { ...CHANNEL_DEFAULTS, ...options.grpcOptions, ...tls.options }, options.logger ?? silentLogger);
    const codecs: Codecs = options.codecs ?? createCodecs();
    const resilience = resilienceOf(options.resilience);
    this.#resilience = resilience;
    this.#defaults = {
      timeoutMs: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      codec: codecs.require(options.codec ?? DEFAULT_CODEC_NAME).name,
      codecs,
      ...(resilience === undefined ? {} : { configuredTimeoutMs: (service, method) => resilience.timeoutMs(service, method) }),
    };
    const registry = options.resolve === undefined ? clientRegistry(options) : undefined;
    this.#opened = registry?.opened;
    const resolve = options.resolve ?? (registry === undefined ? noRegistry : registryResolver(registry.lookup));
    this.#transport = clientTransport(resolveTransport(options.transport), options.logger ?? silentLogger);
    const caller = nodeCaller(resolve, options.selector ?? new RoundRobinSelector(), this.#connections, this.#transport);
    // The policies run innermost, so middleware sees one call however many attempts it takes.
    this.#next = chainClientMiddleware(
      options.middleware ?? [],
      resilience === undefined
        ? async (request) => caller.send(await caller.pick(request, request.exclude), request)
        : (request) => resilience.execute(request, caller),
    );
  }

  /** The client's policies and their events; undefined when created with `resilience: false`. */
  get resilience(): Resilience | undefined {
    return this.#resilience;
  }

  // Not an async method (nor clientStream): their suspended frames were
  // about two kilobytes of garbage per call; the promise chain is the same.
  unary(call: MethodCall, request: AnyMessageInit, options: CallOptions = {}): Promise<Message> {
    try {
      return this.#single(newRequest(call, options, this.#defaults, { stream: false, message: toMessage(call.method.input, request) }));
    } catch (error) {
      return Promise.reject(error); // a request message that does not fit, with its own error
    }
  }

  serverStream(call: MethodCall, request: AnyMessageInit, options: CallOptions = {}): AsyncIterable<Message> {
    return lazy(() =>
      this.#run(newRequest(call, options, this.#defaults, { stream: false, message: toMessage(call.method.input, request) })),
    );
  }

  clientStream(call: MethodCall, requests: AsyncIterable<AnyMessageInit>, options: CallOptions = {}): Promise<Message> {
    try {
      return this.#single(newRequest(call, options, this.#defaults, { stream: true, messages: toMessages(call.method.input, requests) }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  bidiStream(call: MethodCall, requests: AsyncIterable<AnyMessageInit>, options: CallOptions = {}): AsyncIterable<Message> {
    return lazy(() =>
      this.#run(newRequest(call, options, this.#defaults, { stream: true, messages: toMessages(call.method.input, requests) })),
    );
  }

  /**
   * Closes the connections, the registry cache and a registry the client
   * opened from a spec: nothing of the client then holds the process open.
   */
  async close(): Promise<void> {
    this.#connections.close();
    await this.#transport?.close();
    await this.#opened?.close();
  }

  /** Runs `request`; failures reject as KledErrors. */
  #run(request: ClientRequest): Promise<ClientResponse> {
    return this.#start(request).then(undefined, toKledError);
  }

  /** Runs a request whose answer is one message; never throws. */
  #single(request: ClientRequest): Promise<Message> {
    return this.#start(request).then(single, toKledError);
  }

  #start(request: ClientRequest): Promise<ClientResponse> {
    try {
      const response = this.#next(request);
      // Middleware in plain JavaScript may answer with a value or a foreign thenable.
      return response instanceof Promise ? response : Promise.resolve(response);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * The registry calls look services up in (the given one, or one opened from
 * its spec, behind a cache unless told otherwise), and what of it the client
 * opened, to close with itself.
 */
function clientRegistry(options: KledClientOptions): { lookup: Registry; opened: Registry | undefined } | undefined {
  const { registry, registryCache } = options;
  if (registry === undefined) return undefined;
  const fromSpec = typeof registry === "string";
  const base = fromSpec ? createRegistry(registry) : registry;
  if (registryCache === false || base instanceof CachedRegistry) return { lookup: base, opened: fromSpec ? base : undefined };
  const cache = new CachedRegistry(base, { ...registryCache, closeWrapped: fromSpec });
  return { lookup: cache, opened: cache };
}

function resilienceOf(option: KledClientOptions["resilience"]): Resilience | undefined {
  if (option === false) return undefined;
  return option instanceof Resilience ? option : new Resilience(option);
}

function toKledError(error: unknown): never {
  throw KledError.from(error);
}

function single(response: Awaited<ReturnType<ClientNext>>): Message {
  if (response.stream) throw new Error("internal: client middleware answered a unary call with a stream");
  return response.message;
}

/** A stream whose call starts when iteration does, so nothing runs for an unused stream. */
function lazy(start: () => Promise<Awaited<ReturnType<ClientNext>>>): AsyncIterable<Message> {
  return {
    async *[Symbol.asyncIterator]() {
      const response = await start();
      if (!response.stream) throw new Error("internal: client middleware answered a stream call with one message");
      try {
        yield* response.messages;
      } catch (error) {
        throw KledError.from(error);
      }
    },
  };
}

function toMessage(schema: DescMessage, value: AnyMessageInit): Message {
  return isMessage(value, schema) ? value : create(schema, value as MessageInitShape<DescMessage>);
}

async function* toMessages(schema: DescMessage, values: AsyncIterable<AnyMessageInit>): AsyncGenerator<Message> {
  for await (const value of values) yield toMessage(schema, value);
}
