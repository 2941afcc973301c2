import { KledClient, KledServer, MemoryRegistry, silentLogger, type KledClientOptions, type KledServerOptions } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler, type EchoServiceClient } from "../../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "./echo-handler.js";
import { waitUntil } from "../../registry/wait.js";
import { requireNats } from "../../support/services.js";

/**
 * The transports the RPC suites run over: gRPC, and NATS request-reply (a
 * server with `transport: "nats"` on the shared NATS, called by a client
 * with `transport: "nats"`).
 */
export const TRANSPORTS = ["grpc", "nats"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** A served echo service, a registry that knows it, and a client bound to both. */
export interface Harness {
  readonly server: KledServer;
  readonly address: string;
  readonly handler: EchoHandler;
  readonly registry: MemoryRegistry;
  readonly client: KledClient;
  readonly echo: EchoServiceClient;
  close(): Promise<void>;
}

/**
 * Starts the echo service on an ephemeral loopback port and registers it;
 * over NATS, the service serves on the NATS too and its node advertises the
 * subject, which the client then calls it on.
 */
export async function startEcho(
  options: { transport?: Transport; server?: KledServerOptions; client?: Omit<KledClientOptions, "registry"> } = {},
): Promise<Harness> {
  const transport = options.transport ?? "grpc";
  const server = new KledServer({ logger: silentLogger, transport, ...options.server });
  const handler = new EchoHandler();
  registerEchoServiceHandler(server, handler);
  const address = await server.listen();
  const registry = new MemoryRegistry();
  await registry.register({
    name: "kled.test.v1.EchoService",
    version: "1",
    metadata: {},
    endpoints: [],
    nodes: [{ id: `echo-${address}`, address, metadata: { ...server.nodeMetadata } }],
  });
  const client = new KledClient({ registry, transport, ...options.client });
  const echo = createEchoServiceClient(client);
  return {
    server,
    address,
    handler,
    registry,
    client,
    echo,
    async close() {
      await client.close();
      await server.shutdown(0);
      await registry.close();
    },
  };
}

/** An async iterable of `items`, optionally pausing between them. */
export async function* streamOf<T>(items: readonly T[], pauseMs = 0): AsyncGenerator<T> {
  for (const item of items) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    yield item;
  }
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  await waitUntil("condition", predicate, timeoutMs, 5);
}

/**
 * The transports to run an RPC suite over: NATS only when the shared NATS
 * answers (it must under KLED_REQUIRE_SERVICES=1: then this throws).
 */
export async function rpcTransports(): Promise<Transport[]> {
  const nats = await requireNats();
  return nats.skip === undefined ? [...TRANSPORTS] : ["grpc"];
}
