import { describe, expect, it } from "vitest";
import { compileProto } from "./support/compile-proto.js";
import { generate, linesOf, runKled } from "./support/run-plugin.js";

const proto = {
  "kled/test/v1/ping.proto": `
    syntax = "proto3";
    package kled.test.v1;
    service PingService { rpc Ping(PingRequest) returns (PingResponse); }
    message PingRequest {}
    message PingResponse {}
  `,
};

describe("plugin options", () => {
  it("fails on an unknown option, naming it", () => {
    expect(() => generate(proto, "target=ts,foo=bar")).toThrow(
      /^invalid option "foo=bar": unknown option "foo=bar"; protoc-gen-kled accepts runtime_import=<module>/,
    );
    expect(() => generate(proto, "target=ts,frobnicate")).toThrow('unknown option "frobnicate"');
  });

  it("imports the runtime from runtime_import", () => {
    const files = generate(proto, "target=ts,runtime_import=@acme/kled");
    const lines = linesOf(files, "kled/test/v1/ping_kled.ts");
    expect(lines[0]).toMatch(/with parameter "target=ts,runtime_import=@acme\/kled"$/);
    expect(lines).toContain('import { createServiceClient, defineService } from "@acme/kled";');
    expect(lines.join("\n")).not.toContain("@kled/runtime");
  });

  it("rejects an empty runtime_import", () => {
    expect(() => generate(proto, "target=ts,runtime_import=")).toThrow(
      'invalid option "runtime_import=": option "runtime_import" needs a module name',
    );
  });

  it("adds import extensions to relative imports only", () => {
    const lines = linesOf(generate(proto, "target=ts,import_extension=js"), "kled/test/v1/ping_kled.ts");
    expect(lines).toContain('import { PingService } from "./ping_pb.js";');
    expect(lines).toContain('import { createServiceClient, defineService } from "@kled/runtime";');
  });

  it("keeps empty files only when keep_empty_files is set", () => {
    const empty = { "kled/test/v1/empty.proto": `syntax = "proto3"; package kled.test.v1; message Nothing {}` };
    expect(generate(empty, "target=ts").size).toBe(0);
    const kept = generate(empty, "target=ts,keep_empty_files=true");
    expect([...kept.keys()]).toStrictEqual(["kled/test/v1/empty_kled.ts"]);
  });

  it("writes CommonJS with js_import_style=legacy_commonjs", () => {
    const files = runKled(compileProto(proto, "target=js,js_import_style=legacy_commonjs"));
    const js = files.get("kled/test/v1/ping_kled.js") ?? "";
    expect(js).toContain('require("@kled/runtime")');
    expect(js).not.toMatch(/^import /m);
    expect(js).toContain("function registerPingServiceHandler(server, handler, options) {");
  });
});
