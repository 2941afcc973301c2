/**
 * nice-grpc 2's server process: the echo service as a nice-grpc user writes
 * it — an async function for Echo, an async generator for Count (the shape
 * nice-grpc serves streams from) — on the definition built from the
 * protobuf-es descriptor. Responses are created with `create`, as the raw
 * server does: nice-grpc hands them straight to the serializer.
 */
import { create } from "@bufbuild/protobuf";
import { createServer } from "nice-grpc";
import { CountResponseSchema, EchoResponseSchema } from "../../../test/gen/kled/test/v1/echo_pb.js";
import { serveCommands } from "../../support/child-process.js";
import { niceEchoDefinition } from "./definition.js";

const server = createServer();
server.add(niceEchoDefinition, {
  async echo(request) {
    return create(EchoResponseSchema, { text: request.text });
  },
  async *count(request) {
    for (let value = 1; value <= request.n; value++) yield create(CountResponseSchema, { value });
  },
});
const port = await server.listen("127.0.0.1:0");
serveCommands({ address: `127.0.0.1:${port}` }, {}, () => server.shutdown());
