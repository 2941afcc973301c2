import { afterEach, describe, expect, it, vi } from "vitest";
import { clientLogging, consoleLogger, isLevelEnabled, KledError, Code, Metadata, silentLogger, type Logger } from "@kled/runtime";

const now = () => new Date("2026-01-02T03:04:05.000Z");

describe("consoleLogger", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("writes one JSON object per record, with child fields and errors spelled out", () => {
    const lines: string[] = [];
    const logger = consoleLogger({ format: "json", write: (l) => lines.push(l), now, fields: { service: "svc" } });
    logger.child({ method: "/a.B/C" }).warn("slow", { durationMs: 12, total: 5n, error: new KledError(Code.NotFound, "gone") });
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(record).toMatchObject({
      time: "2026-01-02T03:04:05.000Z",
      level: "warn",
      msg: "slow",
      service: "svc",
      method: "/a.B/C",
      durationMs: 12,
      total: "5",
      error: { name: "KledError", message: "[NOT_FOUND] gone" },
    });
  });

  it("drops records below the level and writes readable lines in pretty format", () => {
    const lines: string[] = [];
    const logger = consoleLogger({ level: "warn", format: "pretty", write: (l) => lines.push(l), now });
    logger.info("hidden");
    logger.error("shown", { code: "INTERNAL" });
    expect(lines).toEqual(["2026-01-02T03:04:05.000Z ERROR shown code=INTERNAL"]);
  });

  it("takes its default level from KLED_LOG_LEVEL and names a bad value", () => {
    const lines: string[] = [];
    vi.stubEnv("KLED_LOG_LEVEL", "error");
    const logger = consoleLogger({ format: "json", write: (l) => lines.push(l) });
    logger.warn("hidden");
    expect(lines).toEqual([]);
    vi.stubEnv("KLED_LOG_LEVEL", "loud");
    expect(() => consoleLogger()).toThrow('KLED_LOG_LEVEL="loud" is not a log level; use debug, info, warn, error or silent');
  });

  it("tells which levels it writes, and children follow their parent's threshold and fields", () => {
    const lines: string[] = [];
    const logger = consoleLogger({ level: "warn", format: "json", write: (l) => lines.push(l), now, fields: { service: "svc" } });
    const child = logger.child({ method: "/a.B/C" }).child({ requestId: "r1", service: "inner" });
    expect([isLevelEnabled(child, "info"), isLevelEnabled(child, "warn"), isLevelEnabled(child, "error")]).toEqual([false, true, true]);
    expect(isLevelEnabled(silentLogger, "error")).toBe(false);
    child.error("boom");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ service: "inner", method: "/a.B/C", requestId: "r1", msg: "boom" });
  });
});

describe("call logging below the threshold", () => {
  it("asks the logger first and builds no record for a level it does not write", async () => {
    const asked: string[] = [];
    const written: string[] = [];
    const logger: Logger = {
      debug: (m) => written.push(m),
      info: (m) => written.push(m),
      warn: (m) => written.push(m),
      error: (m) => written.push(m),
      child: () => logger,
      isLevelEnabled: (level) => {
        asked.push(level);
        return level === "error";
      },
    };
    const metadata = new Metadata();
    const request = { method: { path: "/a.B/C" }, serviceName: "a", metadata } as never;
    const call = clientLogging(logger)(async () => ({ stream: false, message: {} }) as never);
    await call(request);
    await expect(
      clientLogging(logger)(() => Promise.reject(new KledError(Code.Internal, "bug")))(request),
    ).rejects.toThrow("bug");
    // Asked at the start (a request id only for calls logged at info), then for the outcome's level.
    expect(asked).toEqual(["info", "info", "info", "error"]);
    expect(written).toEqual(["call made"]);
    expect(metadata.has("x-request-id")).toBe(false);
  });
});
