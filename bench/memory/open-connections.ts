/**
 * The clients of the memory suite: opens N connections to the echo server
 * at ADDRESS, each its own grpc-js channel (no shared subchannel pool), makes
 * one Echo call on each so the connection is fully set up, prints "open",
 * and keeps them open until stdin closes.
 * Usage: open-connections.ts ADDRESS N
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { EchoRequestSchema, EchoResponseSchema } from "../../test/gen/kled/test/v1/echo_pb.js";

const [address, count] = [process.argv[2] ?? "", Number(process.argv[3])];
if (address === "" || !Number.isInteger(count) || count < 1) throw new Error(`usage: open-connections.ts ADDRESS N; got ${process.argv.slice(2).join(" ")}`);
const request = Buffer.from(toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: "open" })));
const clients: grpc.Client[] = [];
for (let i = 0; i < count; i++) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  await new Promise<void>((resolve, reject) =>
    client.makeUnaryRequest(
      "/kled.test.v1.EchoService/Echo",
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => fromBinary(EchoResponseSchema, bytes),
      request,
      (error) => (error === null ? resolve() : reject(error)),
    ),
  );
  clients.push(client);
}
process.stdout.write("open\n");
process.stdin.resume().on("close", () => {
  for (const client of clients) client.close();
  process.exit(0);
});
