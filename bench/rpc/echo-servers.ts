/**
 * The two echo servers the bench compares, as functions: Kled's as a user
 * writes it (a `Service` with its defaults: logging middleware, health,
 * reflection, mDNS registration, and a plain handler object) and a bare
 * grpc-js server with the same handlers written the way grpc-js documents
 * them (callback for unary, write loop honouring backpressure for streams).
 * The server programs (kled-server.ts, raw-server.ts) and the memory suite
 * start them.
 */
import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { Service } from "@kled/runtime";
import {
  CountResponseSchema,
  EchoResponseSchema,
  type CountRequest,
  type CountResponse,
  type EchoRequest,
  type EchoResponse,
} from "../../test/gen/kled/test/v1/echo_pb.js";
import { registerEchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { echoHandler, syncCountEchoHandler } from "./echo-handler.js";
import { rawEchoDefinition } from "./raw-definition.js";
import { KLED_SERVICE_NAME, KLED_SYNC_COUNT_SERVICE_NAME } from "./workload.js";

/** A started echo server: where it listens, and how to stop it. */
export interface EchoServer {
  readonly address: string;
  stop(): Promise<void>;
}

/** Kled's echo service, serving Count as an async generator or as a sync one, each under a service name of its own. */
export async function startKledEcho(shape: "async-count" | "sync-count"): Promise<EchoServer> {
  const sync = shape === "sync-count";
  const service = new Service({ name: sync ? KLED_SYNC_COUNT_SERVICE_NAME : KLED_SERVICE_NAME });
  registerEchoServiceHandler(service.server, sync ? syncCountEchoHandler : echoHandler);
  await service.start();
  return { address: service.address ?? "", stop: () => service.stop() };
}

/** The raw @grpc/grpc-js echo server on a free loopback port. */
export async function startRawEcho(): Promise<EchoServer> {
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
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error))),
  );
  return { address: `127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}
