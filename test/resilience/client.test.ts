/** KledClient with its policies, in process: configured timeouts, opting out, selector call reports. */
import { afterEach, describe, expect, test } from "vitest";
import { Code, KledClient, KledError, LoadAwareSelector, Resilience, type CallOutcome, type Selector } from "@kled/runtime";
import { createEchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { startEcho, type Harness } from "../runtime/support/harness.js";

const SERVICE = "kled.test.v1.EchoService";
let harness: Harness | undefined;
const clients: KledClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await harness?.close();
  harness = undefined;
});

async function setup(options: ConstructorParameters<typeof KledClient>[0] = {}) {
  harness ??= await startEcho();
  const client = new KledClient({ registry: harness.registry, ...options });
  clients.push(client);
  return { client, echo: createEchoServiceClient(client), handler: harness.handler };
}

describe("KledClient policies", () => {
  test("retries an idempotent call by default, on the only node once every node was tried", async () => {
    const { echo, handler, client } = await setup({ resilience: { defaults: { retry: { initialDelayMs: 0, maxDelayMs: 0 } } } });
    const error = (await echo.echo({ text: "down", failCode: Code.Unavailable }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.Unavailable);
    expect(handler.calls.filter((c) => c.label === "down")).toHaveLength(3);
    expect(client.resilience).toBeInstanceOf(Resilience);
  });

  test("resilience: false sends each call once", async () => {
    const { echo, handler, client } = await setup({ resilience: false });
    await echo.echo({ text: "once", failCode: Code.Unavailable }).catch(() => undefined);
    expect(handler.calls.filter((c) => c.label === "once")).toHaveLength(1);
    expect(client.resilience).toBeUndefined();
  });

  test("a configured timeout applies unless the call or the service client sets one", async () => {
    const { client, echo } = await setup({ resilience: { services: { [SERVICE]: { timeoutMs: 50 } } } });
    const error = (await echo.echo({ text: "slow", delayMs: 2_000 }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect((await echo.echo({ text: "patient", delayMs: 100 }, { timeoutMs: 2_000 })).text).toBe("patient");
    const lenient = createEchoServiceClient(client, { timeoutMs: 2_000 });
    expect((await lenient.echo({ text: "lenient", delayMs: 100 })).text).toBe("lenient");
  });

  test("the selector hears of every call's start and end, streams included", async () => {
    const load = new LoadAwareSelector();
    const starts: string[] = [];
    const ends: CallOutcome[] = [];
    const selector: Selector = {
      name: "recording",
      select: (services, options) => load.select(services, options),
      onCallStart(service, node) {
        starts.push(`${service}/${node}`);
        load.onCallStart(service, node);
      },
      onCallEnd(service, node, outcome) {
        ends.push(outcome);
        load.onCallEnd(service, node, outcome);
      },
    };
    const { echo } = await setup({ selector });
    await echo.echo({ text: "one" });
    const values: number[] = [];
    for await (const { value } of echo.count({ n: 3 })) values.push(value);
    for await (const _ of echo.count({ n: 100, delayMs: 5 })) break;
    await echo.echo({ text: "fails", failCode: Code.NotFound }).catch(() => undefined);

    expect(values).toEqual([1, 2, 3]);
    expect(starts).toHaveLength(4);
    expect(ends).toHaveLength(4);
    expect(ends.every((e) => !e.nodeFailure && e.latencyMs >= 0)).toBe(true);
    expect(load.score(SERVICE, starts[0]?.slice(SERVICE.length + 1) ?? "")).toBeGreaterThan(0);
    expect(starts[0]).toMatch(new RegExp(`^${SERVICE}/echo-127\\.0\\.0\\.1:\\d+$`));
  });
});
