import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, KledClient, KledError, KledServer, MemoryRegistry, silentLogger, type ReadonlyMetadata } from "@kled/runtime";
import { createEchoServiceClient, EchoServiceDefinition } from "../gen/kled/test/v1/echo_kled.js";
import { captureLogger } from "./support/capture-logger.js";
import { rpcTransports, startEcho, type Harness } from "./support/harness.js";

describe.each(await rpcTransports())("errors over %s", (transport) => {
  const logger = captureLogger();
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho({ transport, server: { logger } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("a KledError thrown by a handler arrives with its code, message and metadata", async () => {
    let trailer: ReadonlyMetadata | undefined;
    const error = await h.echo
      .echo({ text: "nope", failCode: Code.NotFound }, { onTrailer: (md) => (trailer = md) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KledError);
    const kled = error as KledError;
    expect(kled.code).toBe(Code.NotFound);
    expect(kled.rawMessage).toBe("failed as asked: nope");
    expect(kled.message).toBe("[NOT_FOUND] failed as asked: nope");
    expect(kled.metadata["x-fail-detail"]).toBe("asked");
    expect(trailer?.get("x-fail-detail")).toBe("asked");
  });

  it("binary (-bin) trailers of a failed call arrive as bytes in binaryMetadata, text ones in metadata", async () => {
    // Bytes that are not text: a NUL, a byte above 0x7f, and no UTF-8 sequence.
    const detail = new Uint8Array([0x00, 0xff, 0x10, 0x80, 0x7f]);
    h.handler.onEcho = async (_request, context) => {
      context.setTrailer("x-detail-bin", detail);
      context.setTrailer("x-text-trailer", "kept");
      throw new KledError(Code.FailedPrecondition, "with binary details", { "x-reason": "quota" });
    };
    try {
      const error = (await h.echo.echo({ text: "bin" }).catch((e: unknown) => e)) as KledError;
      expect(error).toBeInstanceOf(KledError);
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(error.metadata["x-reason"]).toBe("quota");
      expect(error.metadata["x-text-trailer"]).toBe("kept");
      expect(Object.keys(error.metadata).filter((key) => key.endsWith("-bin"))).toEqual([]);
      expect(error.binaryMetadata["x-detail-bin"]).toEqual(detail);
    } finally {
      h.handler.onEcho = undefined;
    }
  });

  it("a KledError thrown with binaryMetadata sends it as -bin trailers, and the client gets the bytes back", async () => {
    const detail = new Uint8Array([0xde, 0xad, 0x00, 0xbe, 0xef]);
    h.handler.onEcho = async () => {
      throw new KledError(Code.Aborted, "conflict", { "x-reason": "version" }, { binaryMetadata: { "x-state-bin": detail } });
    };
    try {
      const error = (await h.echo.echo({ text: "bin-thrown" }).catch((e: unknown) => e)) as KledError;
      expect(error.code).toBe(Code.Aborted);
      expect(error.metadata["x-reason"]).toBe("version");
      expect(error.binaryMetadata).toEqual({ "x-state-bin": detail });
    } finally {
      h.handler.onEcho = undefined;
    }
  });

  it("any other error answers INTERNAL without leaking its message, and is logged", async () => {
    const error = (await h.echo.echo({ text: "plain", failCode: 1 }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.Internal);
    expect(error.message).not.toContain("hunter2");
    const requestId = h.handler.call("plain").context.requestId;
    expect(error.rawMessage).toContain(requestId);
    const record = logger.records.find((r) => r.message === "handler failed");
    expect(record?.level).toBe("error");
    expect(record?.fields["requestId"]).toBe(requestId);
    expect(String(record?.fields["error"])).toContain("hunter2");
  });

  it("a service missing from the registry fails UNAVAILABLE naming it", async () => {
    const missing = createEchoServiceClient(h.client, { service: "no.such.Service" });
    const error = (await missing.echo({ text: "x" }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.Unavailable);
    expect(error.message).toContain("no.such.Service");
  });

  it("a client without a registry explains what to pass", async () => {
    const client = new KledClient();
    const error = (await createEchoServiceClient(client).echo({ text: "x" }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.message).toContain("has no registry");
    await client.close();
  });

  it("a node that is down fails UNAVAILABLE", async () => {
    const registry = new MemoryRegistry();
    const client = new KledClient({ registry });
    const down = createEchoServiceClient(client, { address: "127.0.0.1:1" });
    const error = (await down.echo({ text: "x" }, { timeoutMs: 2_000 }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.Unavailable);
    await client.close();
    await registry.close();
  });

  it("register names every method the handler lacks", () => {
    const server = new KledServer({ logger: silentLogger });
    expect(() => server.register(EchoServiceDefinition, { echo() {}, chat() {} })).toThrow(
      'register kled.test.v1.EchoService: the handler has no method "count", "sum"; implement every RPC of the service',
    );
  });

  it("register refuses a second registration and registration after listen", async () => {
    const server = new KledServer({ logger: silentLogger });
    server.register(EchoServiceDefinition, h.handler);
    expect(() => server.register(EchoServiceDefinition, h.handler)).toThrow("already registered");
    await server.listen();
    const other = { ...EchoServiceDefinition, typeName: "kled.test.v1.Other" };
    expect(() => server.register(other, h.handler)).toThrow("register every service before listen()");
    await server.shutdown(0);
  });
});
