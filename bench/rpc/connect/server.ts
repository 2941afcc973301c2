/**
 * Connect-ES 2's server process: the echo service as a Connect user writes
 * it — a plain implementation object on `connectNodeAdapter`, served by a
 * Node `http2` server (gRPC needs HTTP/2), from the same protobuf-es
 * service descriptor Kled's generated code uses. Handlers return init
 * shapes, as Kled's do; Connect creates the messages.
 */
import { once } from "node:events";
import { createServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { EchoService } from "../../../test/gen/kled/test/v1/echo_pb.js";
import { serveCommands } from "../../support/child-process.js";

const server = createServer(
  connectNodeAdapter({
    routes: (router) =>
      router.service(EchoService, {
        echo: (request) => ({ text: request.text }),
        async *count(request) {
          for (let value = 1; value <= request.n; value++) yield { value };
        },
      }),
  }),
);
// http2.Server#close waits for every session to end; the bench stops the
// load process first, but a session it left open must not hold the exit.
const sessions = new Set<Http2Session>();
server.on("session", (session: Http2Session) => {
  sessions.add(session);
  session.once("close", () => sessions.delete(session));
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const { port } = server.address() as AddressInfo;
serveCommands({ address: `127.0.0.1:${port}` }, {}, async () => {
  const closed = new Promise((resolve) => server.close(resolve));
  for (const session of sessions) session.close();
  await closed;
});
