import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEchoServiceClient } from "../gen/kled/test/v1/echo_kled.js";
import { rpcTransports, startEcho, streamOf, type Harness } from "./support/harness.js";

describe.each(await rpcTransports())("the four RPC kinds over %s on loopback", (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho({ transport });
  });
  afterAll(async () => {
    await h.close();
  });

  it("unary: resolves the service through the registry and answers", async () => {
    const response = await h.echo.echo({ text: "hello" });
    expect(response.text).toBe("hello");
    expect(response.$typeName).toBe("kled.test.v1.EchoResponse");
  });

  it("server streaming: yields every message in order", async () => {
    const values: number[] = [];
    for await (const response of h.echo.count({ n: 5 })) values.push(response.value);
    expect(values).toEqual([1, 2, 3, 4, 5]);
  });

  it("client streaming: the handler sees every request", async () => {
    const response = await h.echo.sum(streamOf([{ value: 1n }, { value: 2n }, { value: 39n }], 2));
    expect(response.total).toBe(42n);
    expect(response.count).toBe(3);
  });

  it("bidi streaming: answers each message as it arrives", async () => {
    const texts: string[] = [];
    for await (const response of h.echo.chat(streamOf([{ text: "a" }, { text: "b" }, { text: "c" }], 2))) {
      texts.push(response.text);
    }
    expect(texts).toEqual(["echo: a", "echo: b", "echo: c"]);
  });

  it("empty streams in both directions", async () => {
    expect(await h.echo.sum(streamOf([]))).toMatchObject({ total: 0n, count: 0 });
    const texts: string[] = [];
    for await (const response of h.echo.chat(streamOf([]))) texts.push(response.text);
    expect(texts).toEqual([]);
  });

  it("a client bound to an address skips the registry", async () => {
    const direct = createEchoServiceClient(h.client, { address: h.address, service: "not-in-the-registry" });
    expect((await direct.echo({ text: "direct" })).text).toBe("direct");
  });

  it("the JSON codec round-trips every kind", async () => {
    const json = createEchoServiceClient(h.client, { codec: "json" });
    let header: string | undefined;
    const response = await json.echo({ text: "über ✓" }, { onHeader: (md) => (header = md.get("kled-codec")) });
    expect(response.text).toBe("über ✓");
    expect(response.metadata["kled-codec"]).toBe("json");
    expect(header).toBe("json");
    const values: number[] = [];
    for await (const r of json.count({ n: 3 })) values.push(r.value);
    expect(values).toEqual([1, 2, 3]);
    expect((await json.sum(streamOf([{ value: 5n }, { value: 2n ** 60n }]))).total).toBe(5n + 2n ** 60n);
    const texts: string[] = [];
    for await (const r of json.chat(streamOf([{ text: "x" }]))) texts.push(r.text);
    expect(texts).toEqual(["echo: x"]);
  });
});
