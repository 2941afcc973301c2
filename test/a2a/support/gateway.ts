import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { ClientFactory, JsonRpcTransportFactory, RestTransportFactory, type Client } from "@a2a-js/sdk/client";
import { Role, type SendMessageRequest } from "@a2a-js/sdk";
import type { Registry } from "@kled/runtime";
import { A2aGateway, type A2aGatewayOptions } from "@kled/runtime/a2a";

/** The A2A gateway alone, mounted in a plain node:http server on a free loopback port, as a user would mount it. */
export interface RunningGateway {
  gateway: A2aGateway;
  /** e.g. `http://127.0.0.1:40123` */
  origin: string;
  /** The agent's base URL, which A2A clients resolve the card from. */
  agentUrl(name: string): string;
  stop(): Promise<void>;
}

export async function startGateway(registry: Registry, options: Partial<A2aGatewayOptions> = {}): Promise<RunningGateway> {
  const gateway = new A2aGateway({ registry, ...options });
  await gateway.start();
  const server: Server = createServer((request, response) => {
    if (!gateway.handle(request, response)) response.writeHead(404, { "content-type": "text/plain" }).end("not the gateway's\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    gateway,
    origin,
    agentUrl: (name) => `${origin}/a2a/${encodeURIComponent(name)}/`,
    stop: async () => {
      await gateway.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The two HTTP bindings the gateway serves, by their card names. */
export type Binding = "JSONRPC" | "HTTP+JSON";
export const BINDINGS: readonly Binding[] = ["JSONRPC", "HTTP+JSON"];

/**
 * A stock SDK client from the agent's base URL (card resolution), preferring
 * `binding`; `headers` are added to every binding request (the card is fetched without them).
 */
export async function sdkClient(agentUrl: string, binding: Binding, headers: Record<string, string> = {}): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), ...headers } });
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
    preferredTransports: [binding],
  });
  return factory.createFromUrl(agentUrl);
}

/** A user message with one text part, as the SDK's types want it spelled out. */
export function textMessage(text: string, extra: { taskId?: string; contextId?: string } = {}): SendMessageRequest {
  return {
    tenant: "",
    message: {
      messageId: randomUUID(),
      contextId: extra.contextId ?? "",
      taskId: extra.taskId ?? "",
      role: Role.ROLE_USER,
      parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "" }],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };
}
