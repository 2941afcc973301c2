/**
 * The three ways the NATS RPC bench calls an echo over the same NATS
 * server with the same text: Kled over NATS (a Service's client, as users
 * get it), Moleculer 0.15's request-reply, and raw NATS request-reply (one
 * wildcard reply subscription, publish with a reply subject: the floor a
 * NATS RPC in Node can reach with this client library).
 */
import { randomUUID } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import moleculer from "moleculer";
import { MemoryRegistry, Service, silentLogger, type Node, type TransportOption } from "@kled/runtime";
import { createEchoServiceClient } from "../../test/gen/kled/test/v1/echo_kled.js";
import { ECHO_TEXT } from "../rpc/workload.js";

export const MOLECULER_ECHO_ACTION = "bench-echo.echo";
export const RAW_SUBJECT = "bench.raw.echo";
/**
 * Moleculer's serializer: JSON, its default and, for this payload, its
 * fastest: two runs of 2 rounds here gave 47.5k/47.2k calls/s at 64 in
 * flight against 45.3k/49.3k for CBOR (cbor-x) and 45.4k/39.5k for Notepack.
 * BENCH_MOLECULER_SERIALIZER=Notepack measures with that one (notepack.io is
 * a devDependency for it); CBOR was measured with cbor-x installed for the
 * occasion, not kept: its native builds are optional packages per platform.
 */
export const MOLECULER_SERIALIZER = moleculerSerializer(process.env["BENCH_MOLECULER_SERIALIZER"] ?? "JSON");

function moleculerSerializer(name: string): "JSON" | "Notepack" {
  if (name === "JSON" || name === "Notepack") return name;
  throw new Error(`BENCH_MOLECULER_SERIALIZER is "${name}"; use JSON or Notepack`);
}

export function moleculerBroker(nodeID: string, url: string): moleculer.ServiceBroker {
  return new moleculer.ServiceBroker({
    nodeID,
    namespace: "kled-nats-rpc-bench",
    transporter: { type: "NATS", options: { url } },
    serializer: MOLECULER_SERIALIZER,
    logger: false,
    metrics: false,
    tracing: false,
    requestTimeout: 30_000,
  });
}

/** How long the client's registry keeps the echo node, ms: longer than any run (a day). */
const BENCH_NODE_TTL_MS = 86_400_000;

/** One call, and how to close what it uses. */
export interface Target {
  call(): Promise<void>;
  close(): Promise<void>;
}

export async function kledTarget(url: string, node: Node): Promise<Target> {
  const registry = new MemoryRegistry();
  // Registered once for the whole run: a TTL of its default 90 s would drop the node in a long run.
  await registry.register({ name: "bench.echo", version: "latest", metadata: {}, endpoints: [], nodes: [node] }, { ttlMs: BENCH_NODE_TTL_MS });
  const service = new Service({ name: "bench.load", registry, transport: url as TransportOption, logger: silentLogger });
  const echo = createEchoServiceClient(service.client, { service: "bench.echo" });
  return {
    call: async () => {
      await echo.echo({ text: ECHO_TEXT });
    },
    close: () => service.stop(),
  };
}

export async function moleculerTarget(url: string): Promise<Target> {
  const broker = moleculerBroker(`load-${process.pid}`, url);
  await broker.start();
  await broker.waitForServices(MOLECULER_ECHO_ACTION.split(".")[0]!);
  return {
    call: async () => {
      await broker.call(MOLECULER_ECHO_ACTION, { text: ECHO_TEXT });
    },
    close: () => broker.stop(),
  };
}

export async function rawTarget(url: string): Promise<Target> {
  const nc = await connect({ servers: new URL(url).host });
  const inbox = `_INBOX.${randomUUID().replaceAll("-", "")}`;
  const waiting = new Map<string, () => void>();
  nc.subscribe(`${inbox}.*`, {
    callback: (_error, msg) => {
      const done = waiting.get(msg.subject);
      waiting.delete(msg.subject);
      done?.();
    },
  });
  const payload = new TextEncoder().encode(ECHO_TEXT);
  let next = 0;
  return {
    call: () =>
      new Promise<void>((resolve) => {
        const reply = `${inbox}.${next++}`;
        waiting.set(reply, resolve);
        nc.publish(RAW_SUBJECT, payload, { reply });
      }),
    close: () => nc.close(),
  };
}
