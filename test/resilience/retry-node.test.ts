/**
 * Where the retry of an idempotent call goes, over real gRPC on loopback:
 * to a node not tried yet when there is one, else back to the same node
 * after the backoff.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Code, KledClient, KledError, KledServer, Resilience, silentLogger, type ResilienceEventMap, type ServiceRecord } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

const SERVICE = "retry-node-echo";
/** The backoff before the retry, ms: long enough to see, short enough not to slow the suite. */
const BACKOFF_MS = 100;
/** A timer never fires early by more than this, ms (Node may round it down by one). */
const TIMER_SLACK_MS = 2;

/** Every attempt, in order of arrival: the node it reached and when. */
type Arrival = { node: string; at: number };

let servers: KledServer[] = [];
let client: KledClient | undefined;

afterEach(async () => {
  await client?.close();
  await Promise.all(servers.map((server) => server.shutdown(0)));
  servers = [];
  client = undefined;
});

/**
 * Echo servers named `names`; the first attempt to reach any of them fails
 * with UNAVAILABLE (a retryable failure), every later one is answered.
 */
async function startNodes(names: readonly string[], arrivals: Arrival[]): Promise<ServiceRecord> {
  const nodes: ServiceRecord["nodes"][number][] = [];
  for (const name of names) {
    const server = new KledServer({ logger: silentLogger });
    const handler = new EchoHandler();
    handler.onEcho = async () => {
      arrivals.push({ node: name, at: performance.now() });
      if (arrivals.length === 1) throw new KledError(Code.Unavailable, `node ${name} fails its first call (test)`);
      return { node: name };
    };
    registerEchoServiceHandler(server, handler);
    servers.push(server);
    nodes.push({ id: name, address: await server.listen("127.0.0.1:0"), metadata: {} });
  }
  return { name: SERVICE, version: "1", metadata: {}, endpoints: [], nodes };
}

async function callOnce(record: ServiceRecord) {
  const resilience = new Resilience({ defaults: { retry: { maxAttempts: 2, initialDelayMs: BACKOFF_MS, maxDelayMs: BACKOFF_MS } } });
  const retries: Array<ResilienceEventMap["retry"]> = [];
  resilience.events.on("retry", (event) => retries.push(event));
  client = new KledClient({ resolve: async (name) => (name === SERVICE ? [record] : []), resilience, logger: silentLogger });
  const response = await createEchoServiceClient(client, { service: SERVICE }).echo({ text: "once" });
  return { answeredBy: response.metadata["node"], retries };
}

describe("the retry of an idempotent call", () => {
  test("with a single node, goes back to that node after the backoff", async () => {
    const arrivals: Arrival[] = [];
    const { answeredBy, retries } = await callOnce(await startNodes(["only"], arrivals));
    expect(arrivals.map((a) => a.node)).toEqual(["only", "only"]);
    expect(answeredBy).toBe("only");
    expect(retries).toHaveLength(1);
    expect(retries[0]?.node).toBe("only");
    expect(retries[0]?.delayMs).toBeGreaterThan(0);
    const [first, second] = arrivals;
    // A lower bound only: a loaded machine makes the gap longer, never shorter.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual((retries[0]?.delayMs ?? 0) - TIMER_SLACK_MS);
  });

  test("with several nodes, goes to a node not tried yet", async () => {
    const arrivals: Arrival[] = [];
    const { answeredBy, retries } = await callOnce(await startNodes(["a", "b"], arrivals));
    const [first, second] = arrivals.map((a) => a.node);
    expect(arrivals).toHaveLength(2);
    expect(second).not.toBe(first);
    expect(answeredBy).toBe(second);
    expect(retries.map((r) => r.node)).toEqual([first]);
  });
});
