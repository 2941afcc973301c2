import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger, KledError, Code } from "@kled/runtime";

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
});
