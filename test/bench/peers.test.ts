import { create } from "@bufbuild/protobuf";
import { createChannel, createClient, createServer } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { niceEchoDefinition } from "../../bench/rpc/nice-grpc/definition.js";
import { withPeerRows, peers } from "../../bench/rpc/peers.js";
import { rateRow } from "../../bench/support/rows.js";
import { CountRequestSchema, CountResponseSchema, EchoRequestSchema, EchoResponseSchema } from "../gen/kled/test/v1/echo_pb.js";

describe("bench peers", () => {
  it("builds nice-grpc's definition from the protobuf-es descriptors", () => {
    const { echo, count } = niceEchoDefinition;
    expect([echo.path, echo.requestStream, echo.responseStream]).toEqual(["/kled.test.v1.EchoService/Echo", false, false]);
    expect([count.path, count.requestStream, count.responseStream]).toEqual(["/kled.test.v1.EchoService/Count", false, true]);
    const bytes = echo.requestSerialize(create(EchoRequestSchema, { text: "hi" }));
    expect(echo.requestDeserialize(bytes).text).toBe("hi");
  });

  it("serves and calls Echo and Count through nice-grpc with that definition", async () => {
    const server = createServer();
    server.add(niceEchoDefinition, {
      echo: async (request) => create(EchoResponseSchema, { text: request.text }),
      async *count(request) {
        for (let value = 1; value <= request.n; value++) yield create(CountResponseSchema, { value });
      },
    });
    const port = await server.listen("127.0.0.1:0");
    const channel = createChannel(`127.0.0.1:${port}`);
    try {
      const client = createClient(niceEchoDefinition, channel);
      expect((await client.echo(create(EchoRequestSchema, { text: "kled" }))).text).toBe("kled");
      const values: number[] = [];
      for await (const { value } of client.count(create(CountRequestSchema, { n: 3 }))) values.push(value);
      expect(values).toEqual([1, 2, 3]);
    } finally {
      channel.close();
      await server.shutdown();
    }
  });

  it("follows each row against raw grpc-js with one row per peer, with that peer's target", () => {
    const pairs = [{ kled: 3, baseline: 1 }];
    const raw = [{ kled: 9, baseline: 10 }];
    const rows = withPeerRows(
      raw as never,
      peers.map((peer) => ({ peer, pairs: pairs as never })),
      (p, peer) => rateRow("calls/s", "/s", p, (v: unknown) => v as number, peer?.unaryRateTarget ?? 0.95),
    );
    expect(rows.map((row) => [row.versus, row.comparison, row.target])).toEqual([
      [undefined, "0.90×", "≥ 0.95×"],
      ["Connect-ES 2 (gRPC)", "3.00×", "≥ 2.00×"],
      ["nice-grpc 2", "3.00×", "≥ 1.10×"],
    ]);
  });
});
