/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`), so that
 * `buf curl`, grpcurl and `kled call` can list and call services without the
 * .proto files.
 *
 * Kled's own, answered from the protobuf-es descriptors of the served
 * services (reflection/descriptor-index.ts): a file is sent as its
 * `FileDescriptorProto` serialized by protobuf-es, custom options included,
 * with its transitive imports. No other library is loaded (@grpc/reflection
 * brought protobufjs and proto-loader, most of the core's import time).
 *
 * v1alpha has the same messages as v1 on the wire; the code generated from
 * grpc/reflection/v1/reflection.proto (runtime/buf.gen.yaml) serves both,
 * under each service name.
 */
import type { DescService } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { DescriptorIndex } from "./reflection/descriptor-index.js";
import { serveReflectionCall } from "./reflection/reflection-call.js";
import { passThrough } from "./standard-request.js";

/** The reflection services' full names: v1, and v1alpha for clients that predate it. */
const REFLECTION_SERVICE_NAMES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"] as const;

/** Adds the reflection services, listing `services`, to `server`. */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const index = new DescriptorIndex(services);
  for (const serviceName of REFLECTION_SERVICE_NAMES) {
    server.addService(definition(serviceName), {
      serverReflectionInfo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => serveReflectionCall(call, index, serviceName),
    });
  }
}

/** The grpc-js definition: bytes in and out, (de)coded by the handler. */
function definition(serviceName: string): grpc.ServiceDefinition {
  const method: grpc.MethodDefinition<Buffer, Buffer> = {
    path: `/${serviceName}/ServerReflectionInfo`,
    originalName: "serverReflectionInfo",
    requestStream: true,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
  return { serverReflectionInfo: method };
}
