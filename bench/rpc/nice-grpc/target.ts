/**
 * nice-grpc 2's client: `createClient` on `createChannel(address)`, with
 * requests created per call, as the raw client does.
 */
import { create } from "@bufbuild/protobuf";
import { createChannel, createClient } from "nice-grpc";
import { CountRequestSchema, EchoRequestSchema } from "../../../test/gen/kled/test/v1/echo_pb.js";
import type { Target } from "../../support/closed-loop.js";
import { ECHO_TEXT, STREAM_COUNT } from "../workload.js";
import { niceEchoDefinition } from "./definition.js";

/** The nice-grpc targets against the server at `address` (host:port), and a function that closes the channel. */
export function niceTargets(address: string): { unary: Target; stream: Target; close: () => Promise<void> } {
  const channel = createChannel(address);
  const client = createClient(niceEchoDefinition, channel);
  return {
    unary: async () => {
      await client.echo(create(EchoRequestSchema, { text: ECHO_TEXT }));
    },
    stream: async () => {
      let received = 0;
      for await (const _ of client.count(create(CountRequestSchema, { n: STREAM_COUNT }))) received++;
      return received;
    },
    close: async () => channel.close(),
  };
}
