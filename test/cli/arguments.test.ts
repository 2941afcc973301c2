import { describe, expect, test } from "vitest";
import { parseMetadataFlags } from "../../cli/src/call/metadata-flags.js";
import { parseMethodRef } from "../../cli/src/call/method-ref.js";
import { formatDuration, parseDuration } from "../../cli/src/duration.js";
import { parsePositiveInteger } from "../../cli/src/integer-option.js";

describe("parseMethodRef", () => {
  test.each([
    ["ListTools", { service: undefined, method: "ListTools" }],
    ["kled.mcp.v1.McpService/ListTools", { service: "kled.mcp.v1.McpService", method: "ListTools" }],
    ["/kled.mcp.v1.McpService/ListTools", { service: "kled.mcp.v1.McpService", method: "ListTools" }],
    ["kled.mcp.v1.McpService.ListTools", { service: "kled.mcp.v1.McpService", method: "ListTools" }],
  ])("%s", (text, ref) => {
    expect(parseMethodRef(text)).toEqual(ref);
  });

  test.each(["", "a/b/c", "pkg.Svc/", "pkg.Svc.", "1Method", "pkg..Svc/M"])("rejects %j", (text) => {
    expect(() => parseMethodRef(text)).toThrow(`method "${text}" is not a method name`);
  });
});

describe("parseDuration", () => {
  test.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["1.5m", 90_000],
    ["1h", 3_600_000],
  ])("%s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "0s", "-1s", "10 seconds", "1d"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration`);
  });

  // buf curl and grpcurl users read `--timeout 300` as a count of some unit they cannot see; the unit must be written.
  test.each(["300", "0", "1.5"])("rejects the bare number %j, naming the accepted forms", (text) => {
    expect(() => parseDuration(text)).toThrow(`"${text}" has no unit; write it with one: 300ms, 1.5s, 2m or 1h`);
  });
});

describe("formatDuration", () => {
  test.each([
    [850, "850ms"],
    [12_400, "12s"],
    [245_000, "4m 05s"],
    [3 * 3_600_000 + 120_000, "3h 02m"],
    [55 * 3_600_000, "2d 07h"],
  ])("%d ms", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("parseMetadataFlags", () => {
  test("lower-cases keys, keeps repeated values, decodes -bin keys", () => {
    expect(parseMetadataFlags(["X-Tenant: acme", "x-tenant:beta", "trace-bin:AQI=", "empty:"])).toEqual({
      "x-tenant": ["acme", "beta"],
      empty: [""],
      "trace-bin": [Buffer.from([1, 2])],
    });
  });

  test.each([
    ["novalue", '-H "novalue": expected key:value'],
    [":v", '-H ":v": expected key:value'],
    ["bad key:v", '-H "bad key:v": expected key:value'],
    ["grpc-timeout:1S", '-H "grpc-timeout:1S": keys starting with "grpc-" are reserved by gRPC'],
    ["x-bin:not base64!", '-H "x-bin:not base64!": a -bin key takes a base64 value'],
  ])("rejects %j", (flag, message) => {
    expect(() => parseMetadataFlags([flag])).toThrow(message);
  });
});

describe("parsePositiveInteger", () => {
  test("accepts whole numbers from 1", () => {
    expect(parsePositiveInteger("3")).toBe(3);
    for (const bad of ["0", "-1", "1.5", "x", ""]) expect(() => parsePositiveInteger(bad)).toThrow(`"${bad}" is not a whole number ≥ 1`);
  });
});
