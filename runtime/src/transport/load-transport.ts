/**
 * The transports the `transport` options name, imported on first use: the
 * core never imports the NATS library (the `@kled/runtime/nats` subpath
 * does), so a process that never uses NATS never loads it.
 */
import type { NodeTransport } from "../client/node-transport.js";
import type { Logger } from "../logging/logger.js";
import type { NodeTarget } from "../resilience/resilience.js";
import type { ServerTransport } from "../server/server-transport.js";
import type { MethodBinding } from "../server/serve-call.js";
import type { ClientRequest, ClientResponse } from "./call.js";
import { NATS_SUBJECT_METADATA_KEY, type TransportSpec } from "./transport-spec.js";

/** The client side of `spec`, or undefined for gRPC alone. */
export function clientTransport(spec: TransportSpec, logger: Logger): NodeTransport | undefined {
  if (spec.kind === "grpc") return undefined;
  return new LazyNodeTransport(async () => {
    const { NatsClientTransport } = await import("./nats/nats-client-transport.js");
    return NatsClientTransport.connect(spec.url, logger);
  });
}

/** The server side of `spec`, or undefined for gRPC alone. */
export function serverTransport(spec: TransportSpec): ServerTransport | undefined {
  if (spec.kind === "grpc") return undefined;
  let loaded: ServerTransport | undefined;
  let stopped = false;
  return {
    async serve(methods: ReadonlyMap<string, MethodBinding>, logger: Logger) {
      const { NatsServerTransport } = await import("./nats/nats-server-transport.js");
      loaded = await NatsServerTransport.connect(spec.url, logger);
      if (stopped) loaded.stopAccepting();
      return loaded.serve(methods, logger);
    },
    stopAccepting() {
      stopped = true;
      loaded?.stopAccepting();
    },
    async close() {
      await loaded?.close();
    },
  };
}

/** A node transport created on the first call that needs it. */
class LazyNodeTransport implements NodeTransport {
  #loading: Promise<NodeTransport> | undefined;
  #ready: NodeTransport | undefined;
  #closed = false;

  constructor(private readonly load: () => Promise<NodeTransport>) {}

  call(node: NodeTarget, request: ClientRequest): Promise<ClientResponse> | undefined {
    if (node.metadata?.[NATS_SUBJECT_METADATA_KEY] === undefined) return undefined;
    if (this.#ready !== undefined) return this.#ready.call(node, request);
    this.#loading ??= this.load().then((transport) => (this.#ready = transport));
    return this.#loading.then((transport) => transport.call(node, request) ?? Promise.reject(new Error("internal: NATS transport refused a NATS node")));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const transport = await this.#loading?.catch(() => undefined);
    await transport?.close();
  }
}
