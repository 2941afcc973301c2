import { describe, expect, it } from "vitest";
import { create, createRegistry } from "@bufbuild/protobuf";
import { anyPack, AnySchema, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, createCodecs, createJsonCodec, jsonCodec, KledError, protoCodec } from "@kled/runtime";
import { EchoRequestSchema, EchoResponseSchema } from "../gen/kled/test/v1/echo_pb.js";

function decodeError(fn: () => unknown): KledError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KledError) return error;
    throw error;
  }
  throw new Error("expected a KledError");
}

describe("codecs", () => {
  const message = create(EchoResponseSchema, { text: "hi", metadata: { a: "b" } });

  it.each([protoCodec, jsonCodec])("$name round-trips a message", (codec) => {
    expect(codec.decode(EchoResponseSchema, codec.encode(EchoResponseSchema, message))).toEqual(message);
  });

  it("JSON is proto3 canonical JSON", () => {
    expect(new TextDecoder().decode(jsonCodec.encode(EchoResponseSchema, message))).toBe('{"text":"hi","metadata":{"a":"b"}}');
    expect(jsonCodec.decode(EchoRequestSchema, new TextEncoder().encode('{"text":"x","delay_ms":5}')).delayMs).toBe(5);
  });

  it("garbage fails INVALID_ARGUMENT naming the type and the problem", () => {
    const proto = decodeError(() => protoCodec.decode(EchoRequestSchema, new Uint8Array([0xff, 0xff])));
    expect(proto.code).toBe(Code.InvalidArgument);
    expect(proto.rawMessage).toMatch(/^cannot decode kled\.test\.v1\.EchoRequest from protobuf binary \(2 bytes\): .+/);
    const json = decodeError(() => jsonCodec.decode(EchoRequestSchema, new TextEncoder().encode('{"text": 5}')));
    expect(json.code).toBe(Code.InvalidArgument);
    expect(json.rawMessage).toMatch(/^cannot decode kled\.test\.v1\.EchoRequest from JSON \(11 bytes\): .+/);
    const utf8 = decodeError(() => jsonCodec.decode(EchoRequestSchema, new Uint8Array([0x22, 0xc3, 0x28, 0x22])));
    expect(utf8.code).toBe(Code.InvalidArgument);
  });

  it("JSON ignores unknown fields by default and rejects them on request", () => {
    const bytes = new TextEncoder().encode('{"text":"x","newerField":1}');
    expect(jsonCodec.decode(EchoRequestSchema, bytes).text).toBe("x");
    const strict = createJsonCodec({ rejectUnknownFields: true });
    expect(decodeError(() => strict.decode(EchoRequestSchema, bytes)).code).toBe(Code.InvalidArgument);
  });

  it("JSON encodes google.protobuf.Any with a registry", () => {
    const any = anyPack(EchoRequestSchema, create(EchoRequestSchema, { text: "inside" }));
    expect(() => jsonCodec.encode(AnySchema, any)).toThrow();
    const codec = createJsonCodec({ registry: createRegistry(EchoRequestSchema) });
    const bytes = codec.encode(AnySchema, any);
    expect(new TextDecoder().decode(bytes)).toContain('"@type":"type.googleapis.com/kled.test.v1.EchoRequest"');
    expect(codec.decode(AnySchema, bytes)).toEqual(any);
  });

  it("finds codecs by name and by content type", () => {
    const codecs = createCodecs();
    expect(codecs.names).toEqual(["proto", "json"]);
    for (const type of ["application/grpc", "application/grpc+proto", "application/x-protobuf", "Application/Protobuf"]) {
      expect(codecs.byContentType(type)?.name).toBe("proto");
    }
    for (const type of ["application/grpc+json", "application/json", "application/json; charset=utf-8"]) {
      expect(codecs.byContentType(type)?.name).toBe("json");
    }
    expect(codecs.byContentType("text/xml")).toBeUndefined();
    expect(() => codecs.require("xml")).toThrow('codec "xml" is unknown; use one of "proto", "json"');
    void FileDescriptorProtoSchema;
  });
});
