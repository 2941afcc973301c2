/**
 * nice-grpc's service definition, built from the protobuf-es descriptor of
 * EchoService (no other code generator), with protobuf-es's toBinary and
 * fromBinary as serializers, as Kled's codec and the raw baseline use.
 * Echo and Count only: nice-grpc wants every method of a definition
 * implemented, and the bench calls no other.
 */
import { fromBinary, toBinary, type DescMethod, type MessageShape } from "@bufbuild/protobuf";
import type { MethodDefinition } from "nice-grpc";
import { EchoService } from "../../../test/gen/kled/test/v1/echo_pb.js";

type Streams<K extends DescMethod["methodKind"], Streaming extends DescMethod["methodKind"]> = K extends Streaming ? true : false;

/** A nice-grpc method definition of `method`, typed by its request and response messages. */
type NiceMethod<M extends DescMethod> = MethodDefinition<
  MessageShape<M["input"]>,
  MessageShape<M["input"]>,
  MessageShape<M["output"]>,
  MessageShape<M["output"]>,
  Streams<M["methodKind"], "client_streaming" | "bidi_streaming">,
  Streams<M["methodKind"], "server_streaming" | "bidi_streaming">
>;

export function niceMethod<M extends DescMethod>(method: M): NiceMethod<M> {
  const { input, output, methodKind } = method;
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: (methodKind === "client_streaming" || methodKind === "bidi_streaming") as NiceMethod<M>["requestStream"],
    responseStream: (methodKind === "server_streaming" || methodKind === "bidi_streaming") as NiceMethod<M>["responseStream"],
    requestSerialize: (message) => toBinary(input, message),
    requestDeserialize: (bytes) => fromBinary(input, bytes) as MessageShape<M["input"]>,
    responseSerialize: (message) => toBinary(output, message),
    responseDeserialize: (bytes) => fromBinary(output, bytes) as MessageShape<M["output"]>,
    options: {},
  };
}

/** Echo and Count of kled.test.v1.EchoService for nice-grpc's server and client. */
export const niceEchoDefinition = {
  echo: niceMethod(EchoService.method.echo),
  count: niceMethod(EchoService.method.count),
} as const;
