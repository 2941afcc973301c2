/**
 * Connect-ES 2's client: `createClient` over `createGrpcTransport` (the gRPC
 * protocol over HTTP/2, binary protobuf), called with init shapes as Kled's
 * generated client is. Its HTTP/2 session manager is ours so that closing
 * the targets ends the connection.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { EchoService } from "../../../test/gen/kled/test/v1/echo_pb.js";
import type { Target } from "../../support/closed-loop.js";
import { ECHO_TEXT, STREAM_COUNT } from "../workload.js";

/** The Connect-ES targets against the server at `address` (host:port), and a function that closes the connection. */
export function connectTargets(address: string): { unary: Target; stream: Target; close: () => Promise<void> } {
  const baseUrl = `http://${address}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  const client = createClient(EchoService, createGrpcTransport({ baseUrl, sessionManager }));
  return {
    unary: async () => {
      await client.echo({ text: ECHO_TEXT });
    },
    stream: async () => {
      let received = 0;
      for await (const _ of client.count({ n: STREAM_COUNT })) received++;
      return received;
    },
    close: async () => sessionManager.abort(),
  };
}
