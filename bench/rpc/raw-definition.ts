/**
 * The baseline's service definition: plain `@grpc/grpc-js` with the same
 * protobuf-es messages and serializers (toBinary/fromBinary) that Kled's
 * codec uses, so that the two sides differ only in what Kled adds.
 */
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  CountRequestSchema,
  CountResponseSchema,
  EchoRequestSchema,
  EchoResponseSchema,
  type CountRequest,
  type CountResponse,
  type EchoRequest,
  type EchoResponse,
} from "../../test/gen/kled/test/v1/echo_pb.js";

function serialize<S extends DescMessage>(schema: S): (message: MessageShape<S>) => Buffer {
  return (message) => {
    const bytes = toBinary(schema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserialize<S extends DescMessage>(schema: S): (bytes: Buffer) => MessageShape<S> {
  return (bytes) => fromBinary(schema, bytes);
}

/** Echo and Count of kled.test.v1.EchoService, the two methods the bench calls. */
export const rawEchoDefinition = {
  Echo: {
    path: "/kled.test.v1.EchoService/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize(EchoRequestSchema),
    requestDeserialize: deserialize(EchoRequestSchema),
    responseSerialize: serialize(EchoResponseSchema),
    responseDeserialize: deserialize(EchoResponseSchema),
  } satisfies grpc.MethodDefinition<EchoRequest, EchoResponse>,
  Count: {
    path: "/kled.test.v1.EchoService/Count",
    requestStream: false,
    responseStream: true,
    requestSerialize: serialize(CountRequestSchema),
    requestDeserialize: deserialize(CountRequestSchema),
    responseSerialize: serialize(CountResponseSchema),
    responseDeserialize: deserialize(CountResponseSchema),
  } satisfies grpc.MethodDefinition<CountRequest, CountResponse>,
} satisfies grpc.ServiceDefinition;
