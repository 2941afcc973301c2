import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBinary, create } from "@bufbuild/protobuf";
import { Code } from "@kled/runtime";
import { EchoRequestSchema, EchoResponseSchema } from "../gen/kled/test/v1/echo_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import { rawUnary } from "./support/raw-client.js";
import { startEcho, type Harness } from "./support/harness.js";

const ECHO = "/kled.test.v1.EchoService/Echo";

describe("requests that do not decode", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho();
  });
  afterAll(async () => {
    await h.close();
  });

  it("garbage bytes answer INVALID_ARGUMENT naming the message type, and the server keeps serving", async () => {
    const { error } = await rawUnary(h.address, ECHO, new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.details).toContain("kled.test.v1.EchoRequest");
    expect(error?.details).toContain("protobuf binary");
    expect((await h.echo.echo({ text: "still here" })).text).toBe("still here");
  });

  it("a raw client without Kled metadata is served, with a generated request id", async () => {
    const body = toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: "raw" }));
    const { error, bytes } = await rawUnary(h.address, ECHO, body);
    expect(error).toBeNull();
    expect(fromBinary(EchoResponseSchema, bytes ?? new Uint8Array()).text).toBe("raw");
    expect(h.handler.call("raw").context.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("invalid JSON under the json codec answers INVALID_ARGUMENT", async () => {
    const { error } = await rawUnary(h.address, ECHO, new TextEncoder().encode('{"text": '), { "kled-codec": "json" });
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.details).toContain("kled.test.v1.EchoRequest from JSON");
  });

  it("an unknown codec answers INVALID_ARGUMENT listing the known ones", async () => {
    const { error } = await rawUnary(h.address, ECHO, new Uint8Array(), { "kled-codec": "xml" });
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.details).toBe('codec "xml" in request metadata "kled-codec" is unknown; use one of proto, json');
  });
});
