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
 *
 * Requests are decoded here, not by grpc-js: a request that does not decode
 * answers INVALID_ARGUMENT (grpc-js answers INTERNAL when its deserializer
 * throws, which blames the server for the caller's bytes).
 */
import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { Code } from "../errors/code.js";
import { messageOf } from "../errors/message-of.js";
import { passThrough } from "./standard-request.js";

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
  new ReflectionService(definition as unknown as PackageDefinition, { services: names }).addToServer({
    addService: (service, implementation) => server.addService(...decodingHere(service, implementation)),
  });
}

type Deserialize = (bytes: Buffer) => unknown;

/**
 * The service with pass-through deserializers, and its handlers given calls
 * whose "data" listeners receive messages decoded with the original
 * deserializer; the first request that does not decode ends the call with
 * INVALID_ARGUMENT. (@grpc/reflection's handlers only listen to "data" and
 * "end" and write responses.)
 */
function decodingHere(
  service: grpc.ServiceDefinition,
  implementation: grpc.UntypedServiceImplementation,
): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service)) {
    const deserialize = method.requestDeserialize as Deserialize;
    definition[name] = { ...method, requestDeserialize: passThrough };
    const handler = implementation[name] as ((call: grpc.ServerDuplexStream<unknown, unknown>) => void) | undefined;
    if (handler === undefined) continue;
    const typeName = `${method.path.slice(1, method.path.lastIndexOf("/"))} request`;
    handlers[name] = (call: grpc.ServerDuplexStream<Buffer, unknown>) => handler(decodedCall(call, deserialize, typeName));
  }
  return [definition as grpc.ServiceDefinition, handlers];
}

function decodedCall(
  call: grpc.ServerDuplexStream<Buffer, unknown>,
  deserialize: Deserialize,
  typeName: string,
): grpc.ServerDuplexStream<unknown, unknown> {
  let failed = false;
  const on = (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if (event !== "data") return call.on(event, listener);
    return call.on("data", (bytes: Buffer) => {
      if (failed) return;
      let message: unknown;
      try {
        message = deserialize(bytes);
      } catch (cause) {
        failed = true;
        call.emit("error", {
          code: Code.InvalidArgument,
          details: `cannot decode the ${typeName} from protobuf binary (${bytes.byteLength} bytes): ${messageOf(cause)}`,
        });
        return;
      }
      listener(message);
    });
  };
  return new Proxy(call, {
    get(target, property, receiver) {
      if (property === "on" || property === "addListener") return on;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as grpc.ServerDuplexStream<unknown, unknown>;
}

function collectFiles(file: DescFile, into: Map<string, DescFile>): void {
  if (into.has(file.name)) return;
  into.set(file.name, file);
  for (const dependency of file.dependencies) collectFiles(dependency, into);
}
