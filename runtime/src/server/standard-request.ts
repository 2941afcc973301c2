/**
 * Requests of the standard services (health, reflection), which grpc-js
 * serves without Kled's codecs and middleware. They are decoded here rather
 * than by grpc-js, whose deserializer failing answers INTERNAL: bytes that
 * do not decode are the caller's mistake, INVALID_ARGUMENT.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { StatusObject } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { protoCodec } from "../codec/proto.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";

/** grpc-js (de)serializer that leaves the bytes alone. */
export function passThrough(bytes: Buffer): Buffer {
  return bytes;
}

/** Decodes protobuf binary; throws a KledError with INVALID_ARGUMENT naming the type. */
export function decodeStandardRequest<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  return protoCodec.decode(schema, bytes);
}

/** The status for an error of a standard service: a KledError's own, INTERNAL without details otherwise. */
export function statusOf(error: unknown): Partial<StatusObject> & { code: number } {
  if (error instanceof KledError) return { code: error.code, details: error.rawMessage, metadata: new Metadata() };
  return { code: Code.Internal, details: "internal error in a standard service", metadata: new Metadata() };
}
