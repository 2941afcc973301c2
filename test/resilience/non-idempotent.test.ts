/**
 * Retry eligibility with real processes: a method without an idempotency
 * level is not tried again after a failure that may have reached a server,
 * unless the caller opts in; an idempotent one is, each time on another node;
 * a refused connection reached no server, so it is retried for any method.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Code, KledClient, KledError, Resilience } from "@kled/runtime";
import { createEchoServiceClient, type EchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { SERVICE, startNodes, staticResolver, stopNodes, type EchoNode } from "./support/nodes.js";

let nodes: EchoNode[] = [];
let client: KledClient;
let echo: EchoServiceClient;
let retries: number;

beforeEach(async () => {
  nodes = await startNodes(["a", "b", "c"]);
  const resilience = new Resilience();
  retries = 0;
  resilience.events.on("retry", () => retries++);
  client = new KledClient({ resolve: staticResolver(nodes), resilience });
  echo = createEchoServiceClient(client, { service: SERVICE });
});

afterEach(async () => {
  await client.close();
  await stopNodes(nodes);
});

/** Calls that reached each node, by method. */
async function reached(method: "echo" | "count"): Promise<number[]> {
  return Promise.all(nodes.map(async (node) => (await node.stats())[method]));
}

async function drain(stream: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of stream);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("retry eligibility", () => {
  test("a non-idempotent stream that failed on the server is tried once; an idempotent call on every node", async () => {
    for (const node of nodes) await node.setMode("unavailable");

    const error = await drain(echo.count({ n: 3 }));
    expect(error).toBeInstanceOf(KledError);
    expect((error as KledError).code).toBe(Code.Unavailable);
    expect((await reached("count")).reduce((a, b) => a + b)).toBe(1);
    expect(retries).toBe(0);

    const echoError = await echo.echo({ text: "idempotent" }).catch((e: unknown) => e);
    expect((echoError as KledError).code).toBe(Code.Unavailable);
    // Three attempts (the default), each on a different node.
    expect(await reached("echo")).toEqual([1, 1, 1]);
  });

  test("the caller may opt a non-idempotent call in, or an idempotent one out", async () => {
    for (const node of nodes) await node.setMode("unavailable");
    await drain(echo.count({ n: 1 }, { retry: true }));
    expect(await reached("count")).toEqual([1, 1, 1]);

    await echo.echo({ text: "no retry" }, { retry: false }).catch(() => undefined);
    expect((await reached("echo")).reduce((a, b) => a + b)).toBe(1);
  });

  test("a refused connection reached no server: a non-idempotent call goes to another node", async () => {
    await nodes[2]?.kill("SIGKILL");
    // Round-robin over a, b, c: at least two of six calls pick the dead node first.
    for (let i = 0; i < 6; i++) {
      const values: number[] = [];
      for await (const { value } of echo.count({ n: 2 })) values.push(value);
      expect(values).toEqual([1, 2]);
    }
    expect(retries).toBeGreaterThanOrEqual(2);
    const [a = 0, b = 0] = await Promise.all(nodes.slice(0, 2).map(async (node) => (await node.stats()).count));
    expect(a + b).toBe(6);
  });
});
