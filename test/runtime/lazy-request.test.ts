import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it, vi } from "vitest";
import { createCodecs } from "../../runtime/src/codec/codecs.js";
import type { ServerContext } from "../../runtime/src/context/handler-context.js";
import { LazyUnaryRequest } from "../../runtime/src/server/lazy-request.js";
import { EchoServiceDefinition } from "../gen/kled/test/v1/echo_kled.js";
import { EchoRequestSchema } from "../gen/kled/test/v1/echo_pb.js";

const echo = EchoServiceDefinition.methods["echo"]!;
const context = {} as ServerContext;

function request(bytes: Uint8Array) {
  const codec = createCodecs().require("proto");
  const decode = vi.spyOn(codec, "decode");
  return { request: new LazyUnaryRequest(echo, EchoServiceDefinition, context, codec, bytes), decode };
}

describe("a unary request's message", () => {
  it("is decoded when first read, once", () => {
    const { request: r, decode } = request(toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: "hi" })));
    expect(r.stream).toBe(false);
    expect(r.method).toBe(echo);
    expect(decode).not.toHaveBeenCalled();
    const first = r.message;
    expect((first as unknown as { text: string }).text).toBe("hi");
    expect(r.message).toBe(first);
    expect(decode).toHaveBeenCalledTimes(1);
  });

  it("that does not decode throws INVALID_ARGUMENT on every read, decoding once", () => {
    const { request: r, decode } = request(new Uint8Array([0x0a, 0x05, 0x68]));
    const errors = [0, 1].map(() => {
      try {
        return r.message;
      } catch (error) {
        return error;
      }
    });
    expect(errors[0]).toBe(errors[1]);
    expect(String(errors[0])).toContain("INVALID_ARGUMENT");
    expect(decode).toHaveBeenCalledTimes(1);
  });

  it("is kept by a spread that names it", () => {
    const { request: r } = request(toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: "kept" })));
    const copy = { ...r, message: r.message };
    expect((copy.message as unknown as { text: string }).text).toBe("kept");
  });
});
