/**
 * gRPC server reflection (v1 and v1alpha), so that `buf curl` and grpcurl
 * can list and call services without the .proto files.
 *
 * `@grpc/reflection` takes a proto-loader package definition but only reads
 * the serialized `FileDescriptorProto`s in it, so we hand it a synthesized
 * one holding the protobuf-es descriptors of every reflected service's file
 * and its transitive imports. (Descriptors that proto-loader derives through
 * protobufjs are not usable here: they name map entries and types in ways
 * Go's protodesc, inside buf curl and grpcurl, rejects.) The package
 * re-encodes files with protobufjs, which keeps standard options such as
 * `idempotency_level` but drops custom options it does not know.
 */
import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";

type PackageDefinition = ConstructorParameters<typeof ReflectionService>[0];

/** Adds the reflection services, listing `services`, to `server`. */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  for (const service of services) collectFiles(service.file, files);
  const definition = {
    // The key is never shown; @grpc/reflection reads only fileDescriptorProtos.
    "kled.reflection.Files": {
      format: "Protocol Buffer 3 DescriptorProto",
      type: {},
      fileDescriptorProtos: [...files.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto))),
    },
  };
  const names = services.map((service) => service.typeName);
  new ReflectionService(definition as unknown as PackageDefinition, { services: names }).addToServer(server);
}

function collectFiles(file: DescFile, into: Map<string, DescFile>): void {
  if (into.has(file.name)) return;
  into.set(file.name, file);
  for (const dependency of file.dependencies) collectFiles(dependency, into);
}
