import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  Code,
  KledClient,
  KledError,
  KledServer,
  MemoryRegistry,
  NATS_SUBJECT_METADATA_KEY,
  Service,
  silentLogger,
  type HandlerContext,
  type ServerMiddleware,
} from "@kled/runtime";
import { createEchoServiceClient, EchoServiceDefinition, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import type { CountRequest, SumRequest } from "../gen/kled/test/v1/echo_pb.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { eventually } from "../runtime/support/harness.js";
import { requireNats } from "../support/services.js";
import { connect } from "../../runtime/src/peers/nats-transport.js";

const nats = await requireNats();
const SERVICE = "kled.test.v1.EchoService";
/** The credit each direction of a NATS stream starts with (transport/nats/frames.ts). */
const WINDOW = 64;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A KledServer serving `handler` over gRPC and NATS. */
async function natsServer(handler: object = new EchoHandler(), middleware: ServerMiddleware[] = []) {
  const server = new KledServer({ logger: silentLogger, transport: "nats", middleware });
  registerEchoServiceHandler(server, handler as EchoHandler);
  const address = await server.listen();
  cleanups.push(() => server.shutdown(0));
  return { server, address };
}

async function natsClient(nodes: Array<{ id: string; address: string; metadata: Record<string, string> }>, options = {}) {
  const registry = new MemoryRegistry();
  await registry.register({ name: SERVICE, version: "1", metadata: {}, endpoints: [], nodes });
  const client = new KledClient({ registry, transport: "nats", ...options });
  cleanups.push(async () => {
    await client.close();
    await registry.close();
  });
  return { client, echo: createEchoServiceClient(client) };
}

describe.skipIf(nats.skip !== undefined)("RPC over NATS", () => {
  it("a node is called on its NATS subject, and its server still serves gRPC to everyone else", async () => {
    const { server, address } = await natsServer();
    expect(server.nodeMetadata[NATS_SUBJECT_METADATA_KEY]).toMatch(/^kled\.rpc\.[0-9a-f]{32}$/);
    // Its gRPC address is one where nothing listens: only NATS can reach it.
    const { echo } = await natsClient([{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }]);
    expect((await echo.echo({ text: "over nats" })).text).toBe("over nats");
    const grpcOnly = new KledClient({ transport: "grpc" });
    cleanups.push(() => grpcOnly.close());
    expect((await createEchoServiceClient(grpcOnly, { address }).echo({ text: "over grpc" })).text).toBe("over grpc");
  });

  it("a node whose subject no server listens on fails UNAVAILABLE; with another node, the call is retried there", async () => {
    const { server } = await natsServer();
    const ghost = { id: "ghost", address: "127.0.0.1:1", metadata: { [NATS_SUBJECT_METADATA_KEY]: "kled.rpc.nobody-here" } };
    const alone = await natsClient([ghost], { resilience: false });
    const error = await alone.echo.echo({ text: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KledError);
    expect((error as KledError).code).toBe(Code.Unavailable);
    expect((error as KledError).message).toContain("no server listens");
    // Round-robin sends every other first attempt to the ghost; none of the calls may fail.
    const both = await natsClient([ghost, { id: "real", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }]);
    for (let i = 0; i < 6; i++) expect((await both.echo.echo({ text: `r${i}` })).text).toBe(`r${i}`);
  });

  it("calls in flight to a node whose server leaves its subject without answering fail UNAVAILABLE (the client probes its nodes)", async () => {
    // A "server" that takes every call and dies silently: its subscription goes, NATS stays up.
    const nc = await connect({ servers: nats.url.replace("nats://", "") });
    cleanups.push(() => nc.close());
    const subject = "kled.rpc.silent-node";
    let received = 0;
    const subscription = nc.subscribe(subject, { callback: () => void received++ });
    await nc.flush();
    const { echo } = await natsClient([{ id: "silent", address: "127.0.0.1:1", metadata: { [NATS_SUBJECT_METADATA_KEY]: subject } }], {
      resilience: false,
    });
    const unary = echo.echo({ text: "into the void" }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    const stream = (async () => {
      for await (const _ of echo.count({ n: 3 }));
    })().catch((e: unknown) => e);
    await eventually(() => received >= 1);
    subscription.unsubscribe();
    await nc.flush();
    const started = Date.now();
    const outcomes = await Promise.all([unary, stream]);
    expect(outcomes.map((e) => (e as KledError).code)).toEqual([Code.Unavailable, Code.Unavailable]);
    expect((outcomes[0] as KledError).message).toContain("left its NATS subject");
    // Within a few probe intervals (1 s each), not the call's 60 s deadline.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("a method the node does not serve answers UNIMPLEMENTED", async () => {
    const { server } = await natsServer();
    const { client } = await natsClient([{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }]);
    const method = { ...EchoServiceDefinition.methods["echo"]!, path: "/kled.test.v1.EchoService/NoSuchMethod" };
    const error = await client
      .unary({ service: EchoServiceDefinition, method, defaults: {} }, { text: "x" }, { retry: false })
      .catch((e: unknown) => e);
    expect((error as KledError).code).toBe(Code.Unimplemented);
    expect((error as KledError).message).toContain("NoSuchMethod");
  });

  it("server middleware runs over NATS as over gRPC (an auth-like refusal, and a pass)", async () => {
    const guard: ServerMiddleware = (next) => async (request) => {
      if (request.context.metadata.get("x-key") !== "open sesame") throw new KledError(Code.Unauthenticated, "no key");
      return next(request);
    };
    const { server } = await natsServer(new EchoHandler(), [guard]);
    const { echo } = await natsClient([{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }]);
    expect(((await echo.echo({ text: "x" }).catch((e: unknown) => e)) as KledError).code).toBe(Code.Unauthenticated);
    expect((await echo.echo({ text: "y" }, { metadata: { "x-key": "open sesame" } })).text).toBe("y");
  });

  it("a server stream whose caller does not read holds its handler at the credit window; reading on gets every message in order", async () => {
    let produced = 0;
    const handler = Object.assign(new EchoHandler(), {
      async *count(request: CountRequest) {
        for (let value = 1; value <= request.n; value++) {
          produced++;
          yield { value };
        }
      },
    });
    const { server } = await natsServer(handler);
    const { echo } = await natsClient([{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }]);
    const iterator = echo.count({ n: 5_000 })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.value).toBe(1);
    await eventually(() => produced >= WINDOW);
    await sleep(300);
    expect(produced).toBeLessThanOrEqual(WINDOW + 1);
    const values = [1];
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) values.push(next.value.value);
    expect(values).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1));
  });

  it("a client stream whose handler does not read pauses the caller at the credit window", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handler = Object.assign(new EchoHandler(), {
      async sum(requests: AsyncIterable<SumRequest>) {
        await released;
        let total = 0n;
        let count = 0;
        for await (const request of requests) {
          total += request.value;
          count++;
        }
        return { total, count };
      },
    });
    const { server } = await natsServer(handler);
    const { echo } = await natsClient([{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }]);
    let sent = 0;
    async function* numbers() {
      for (let i = 1; i <= 1_000; i++) {
        sent++;
        yield { value: BigInt(i) };
      }
    }
    const answer = echo.sum(numbers());
    await eventually(() => sent >= WINDOW);
    await sleep(300);
    expect(sent).toBeLessThanOrEqual(WINDOW + 1);
    release();
    expect(await answer).toMatchObject({ total: 500_500n, count: 1_000 });
  });

  it("shutdown drains calls in flight over NATS and refuses new ones UNAVAILABLE", async () => {
    const handler = new EchoHandler();
    const { server } = await natsServer(handler);
    const { echo } = await natsClient([{ id: "n1", address: "127.0.0.1:1", metadata: { ...server.nodeMetadata } }], {
      resilience: false,
    });
    const slow = echo.echo({ text: "slow", delayMs: 300 });
    await eventually(() => server.inFlight === 1);
    const stopped = server.shutdown(5_000);
    const refused = await echo.echo({ text: "late" }).catch((e: unknown) => e);
    expect((refused as KledError).code).toBe(Code.Unavailable);
    expect((await slow).text).toBe("slow");
    await stopped;
  });

  it("a Service with transport nats advertises its subject, and another service's client calls it over NATS", async () => {
    const registry = new MemoryRegistry();
    cleanups.push(() => registry.close());
    const served = new Service({ name: SERVICE, registry, transport: "nats", logger: silentLogger, deregisterDelayMs: 0 });
    let peer = "";
    registerEchoServiceHandler(
      served.server,
      Object.assign(new EchoHandler(), {
        async echo(request: { text: string }, context: HandlerContext) {
          peer = context.peer;
          return { text: request.text };
        },
      }),
    );
    await served.start();
    cleanups.push(() => served.stop());
    const [record] = await registry.getService(SERVICE);
    expect(record?.nodes[0]?.metadata[NATS_SUBJECT_METADATA_KEY]).toMatch(/^kled\.rpc\./);
    const caller = new Service({ name: "caller", registry, transport: "nats", logger: silentLogger, deregisterDelayMs: 0 });
    cleanups.push(() => caller.stop());
    expect((await createEchoServiceClient(caller.client).echo({ text: "svc" })).text).toBe("svc");
    // The peer of a NATS call: the caller's IP and NATS client id, as its NATS server reported them.
    expect(peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
