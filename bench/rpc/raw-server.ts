/**
 * The baseline's server process: a bare grpc-js server with the same
 * handlers as the Kled one, written the way grpc-js documents them
 * (callback for unary, write loop honouring backpressure for streams).
 */
import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  CountResponseSchema,
  EchoResponseSchema,
  type CountRequest,
  type CountResponse,
  type EchoRequest,
  type EchoResponse,
} from "../../test/gen/kled/test/v1/echo_pb.js";
import { serveCommands } from "../support/child-process.js";
import { rawEchoDefinition } from "./raw-definition.js";

const server = new grpc.Server();
server.addService(rawEchoDefinition, {
  Echo(call: grpc.ServerUnaryCall<EchoRequest, EchoResponse>, callback: grpc.sendUnaryData<EchoResponse>) {
    callback(null, create(EchoResponseSchema, { text: call.request.text }));
  },
  async Count(call: grpc.ServerWritableStream<CountRequest, CountResponse>) {
    for (let value = 1; value <= call.request.n; value++) {
      if (!call.write(create(CountResponseSchema, { value }))) await once(call, "drain");
    }
    call.end();
  },
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
    error === null ? resolve(bound) : reject(error),
  ),
);
serveCommands({ address: `127.0.0.1:${port}` }, {}, () => new Promise((resolve) => server.tryShutdown(() => resolve())));
