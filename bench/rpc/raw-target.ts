/**
 * The baseline's client: a grpc-js generic client with the protobuf-es
 * serializers, called the way grpc-js documents it. Requests are created
 * per call, as the Kled client creates them from the init shape it is given.
 */
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { CountRequestSchema, EchoRequestSchema } from "../../test/gen/kled/test/v1/echo_pb.js";
import type { Target } from "../support/closed-loop.js";
import { rawEchoDefinition } from "./raw-definition.js";
import { ECHO_TEXT, STREAM_COUNT } from "./workload.js";

const RawEchoClient = grpc.makeGenericClientConstructor(rawEchoDefinition, "EchoService");

/** The raw targets against the server at `address`, and a function that closes the channel. */
export function rawTargets(address: string): { unary: Target; stream: Target; close: () => Promise<void> } {
  const client = new RawEchoClient(address, grpc.credentials.createInsecure());
  // The generic client's methods are typed loosely; these are the shapes it calls with.
  const echo = client["Echo"] as (request: unknown, callback: (error: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall;
  const count = client["Count"] as (request: unknown) => grpc.ClientReadableStream<unknown>;
  return {
    unary: () =>
      new Promise<void>((resolve, reject) => {
        echo.call(client, create(EchoRequestSchema, { text: ECHO_TEXT }), (error) => (error === null ? resolve() : reject(error)));
      }),
    stream: async () => {
      let received = 0;
      for await (const _ of count.call(client, create(CountRequestSchema, { n: STREAM_COUNT }))) received++;
      return received;
    },
    close: async () => client.close(),
  };
}
