import { KledClient, KledServer, MemoryRegistry, silentLogger, type KledClientOptions, type KledServerOptions } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler, type EchoServiceClient } from "../../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "./echo-handler.js";
import { waitUntil } from "../../registry/wait.js";

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

/** Starts the echo service on an ephemeral loopback port and registers it. */
export async function startEcho(
  options: { server?: KledServerOptions; client?: Omit<KledClientOptions, "registry"> } = {},
): Promise<Harness> {
  const server = new KledServer({ logger: silentLogger, ...options.server });
  const handler = new EchoHandler();
  registerEchoServiceHandler(server, handler);
  const address = await server.listen();
  const registry = new MemoryRegistry();
  await registry.register({
    name: "kled.test.v1.EchoService",
    version: "1",
    metadata: {},
    endpoints: [],
    nodes: [{ id: `echo-${address}`, address, metadata: {} }],
  });
  const client = new KledClient({ registry, ...options.client });
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
