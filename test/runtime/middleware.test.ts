import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientLogging, Code, KledError, serverLogging, type ClientMiddleware, type ServerMiddleware } from "@kled/runtime";
import { create } from "@bufbuild/protobuf";
import { EchoResponseSchema } from "../gen/kled/test/v1/echo_pb.js";
import { captureLogger } from "./support/capture-logger.js";
import { eventually, startEcho, streamOf, type Harness } from "./support/harness.js";

describe("middleware", () => {
  const order: string[] = [];
  const serverLogger = captureLogger();
  const clientLogger = captureLogger();
  const tag =
    (name: string): ServerMiddleware =>
    (next) =>
    async (request) => {
      order.push(`server ${name} in`);
      const response = await next(request);
      order.push(`server ${name} out`);
      return response;
    };
  const clientTag =
    (name: string): ClientMiddleware =>
    (next) =>
    async (request) => {
      order.push(`client ${name} in`);
      request.metadata.set(`x-${name}`, "1");
      const response = await next(request);
      order.push(`client ${name} out`);
      return response;
    };
  const refuse: ServerMiddleware = (next) => async (request) => {
    if (request.context.metadata.get("x-refuse") !== undefined) {
      throw new KledError(Code.PermissionDenied, "refused by middleware");
    }
    return next(request);
  };

  let h: Harness;
  beforeAll(async () => {
    h = await startEcho({
      server: { logger: serverLogger, middleware: [serverLogging(), tag("a"), tag("b"), refuse] },
      client: { middleware: [clientLogging(clientLogger), clientTag("a"), clientTag("b")] },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("runs the first middleware outermost, on both sides", async () => {
    order.length = 0;
    const response = await h.echo.echo({ text: "order" });
    expect(order).toEqual([
      "client a in",
      "client b in",
      "server a in",
      "server b in",
      "server b out",
      "server a out",
      "client b out",
      "client a out",
    ]);
    expect(response.metadata["x-a"]).toBe("1");
    expect(response.metadata["x-b"]).toBe("1");
  });

  it("a middleware can refuse a call with a status", async () => {
    const error = (await h.echo.echo({ text: "r" }, { metadata: { "x-refuse": "1" } }).catch((e: unknown) => e)) as KledError;
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe("refused by middleware");
  });

  it("logs one line per call with method, code and duration, streams when they end", async () => {
    serverLogger.records.length = 0;
    clientLogger.records.length = 0;
    await h.echo.echo({ text: "logged" });
    await h.echo.echo({ text: "bad", failCode: Code.NotFound }).catch(() => undefined);
    for await (const _ of h.echo.count({ n: 2 })) void _;
    await h.echo.sum(streamOf([{ value: 1n }]));
    for await (const _ of h.echo.chat(streamOf([{ text: "hi" }]))) void _;
    const served = serverLogger.records.filter((r) => r.message === "call served");
    expect(served.map((r) => [r.fields["method"], r.fields["code"], r.level])).toEqual([
      ["/kled.test.v1.EchoService/Echo", "OK", "info"],
      ["/kled.test.v1.EchoService/Echo", "NOT_FOUND", "warn"],
      ["/kled.test.v1.EchoService/Count", "OK", "info"],
      ["/kled.test.v1.EchoService/Sum", "OK", "info"],
      ["/kled.test.v1.EchoService/Chat", "OK", "info"],
    ]);
    for (const record of served) {
      expect(typeof record.fields["durationMs"]).toBe("number");
      expect(typeof record.fields["requestId"]).toBe("string");
    }
    const made = clientLogger.records.filter((r) => r.message === "call made");
    expect(made.map((r) => [r.fields["method"], r.fields["code"]])).toEqual([
      ["/kled.test.v1.EchoService/Echo", "OK"],
      ["/kled.test.v1.EchoService/Echo", "NOT_FOUND"],
      ["/kled.test.v1.EchoService/Count", "OK"],
      ["/kled.test.v1.EchoService/Sum", "OK"],
      ["/kled.test.v1.EchoService/Chat", "OK"],
    ]);
    expect(made[0]?.fields["requestId"]).toBe(served[0]?.fields["requestId"]);
  });

  it("logs a stream the consumer left early as CANCELED on both sides", async () => {
    serverLogger.records.length = 0;
    clientLogger.records.length = 0;
    for await (const r of h.echo.count({ n: 500, delayMs: 2 })) if (r.value === 2) break;
    const made = clientLogger.records.filter((r) => r.message === "call made");
    expect(made.map((r) => r.fields["code"])).toEqual(["CANCELED"]);
    await eventually(() => serverLogger.records.some((r) => r.message === "call served"));
    const served = serverLogger.records.filter((r) => r.message === "call served");
    expect(served.map((r) => r.fields["code"])).toEqual(["CANCELED"]);
  });
});

describe("middleware written without promises", () => {
  it("may answer with a plain value, or throw synchronously for a status", async () => {
    // What a JavaScript middleware may do that the types forbid: the server takes the value as awaited.
    const plain: ServerMiddleware = (next) => ((request: Parameters<ReturnType<ServerMiddleware>>[0]) => {
      if (request.context.metadata.get("x-throw") !== undefined) throw new KledError(Code.PermissionDenied, "thrown at once");
      if (request.context.metadata.get("x-plain") !== undefined) return { stream: false, message: create(EchoResponseSchema, { text: "plain" }) };
      return next(request);
    }) as unknown as ReturnType<ServerMiddleware>;
    const h = await startEcho({ server: { middleware: [plain] } });
    try {
      await expect(h.echo.echo({ text: "ignored" }, { metadata: { "x-plain": "1" } })).resolves.toMatchObject({ text: "plain" });
      await expect(h.echo.echo({ text: "x" }, { metadata: { "x-throw": "1" } })).rejects.toMatchObject({ code: Code.PermissionDenied });
      await expect(h.echo.echo({ text: "through" })).resolves.toMatchObject({ text: "through" });
    } finally {
      await h.close();
    }
  });
});
