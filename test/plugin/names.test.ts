import { describe, expect, it } from "vitest";
import { expectBlock } from "./support/expect-lines.js";
import { generate, linesOf } from "./support/run-plugin.js";

describe("names", () => {
  it("aliases imports whose names clash with runtime names (messages named Server and Stream)", () => {
    const files = generate({
      "kled/test/v1/clash.proto": `
        syntax = "proto3";
        package kled.test.v1;
        service ClashService {
          rpc Serve(Server) returns (Stream);
          rpc Pipe(stream Server) returns (stream Stream);
        }
        message Server {}
        message Stream {}
      `,
    });
    const lines = linesOf(files, "kled/test/v1/clash_kled.ts");
    // Whichever name is printed first keeps it; the other gets a "$1" alias.
    expect(lines).toContain(
      'import type { CallOptions, Client, HandlerContext, HandlerStream, MaybePromise, RegisterHandlerOptions, Reply, Server as Server$1, ServiceClientOptions, ServiceDefinition, Stream } from "@kled/runtime";',
    );
    expect(lines).toContain('import type { Server, ServerSchema, Stream as Stream$1, StreamSchema } from "./clash_pb";');
    expect(lines).toContain(
      "  pipe(requests: Stream<Server>, context: HandlerContext): HandlerStream<MessageInitShape<typeof StreamSchema>>;",
    );
    expect(lines).toContain(
      "export function registerClashServiceHandler(server: Server$1, handler: ClashServiceHandler, options?: RegisterHandlerOptions): void {",
    );
    expect(lines).toContain(
      "  pipe(requests: Stream<MessageInitShape<typeof ServerSchema>>, options?: CallOptions): Stream<Stream$1>;",
    );
  });

  it("escapes reserved words and keeps the runtime's method keys", () => {
    const files = generate({
      "kled/test/v1/reserved.proto": `
        syntax = "proto3";
        package kled.test.v1;
        service Object { rpc Delete(Req) returns (Req); rpc Constructor(Req) returns (Req); }
        message Req {}
      `,
    });
    const lines = linesOf(files, "kled/test/v1/reserved_kled.ts");
    expectBlock(lines, [
      "export const Object$Definition: ServiceDefinition = /*@__PURE__*/ defineService(Object$, {",
      '  delete: { idempotency: "unknown" },',
      '  constructor$: { idempotency: "unknown" },',
      "});",
    ]);
    expect(lines).toContain("export interface Object$Handler {");
    expect(lines).toContain("export function createObject$Client(client: Client, options?: ServiceClientOptions): Object$Client {");
  });

  it("fails with both origins when two generated exports would share a name", () => {
    // Service "createFoo" has the client interface "createFooClient", which is
    // also the client factory of service "Foo"; neither can be aliased.
    expect(() =>
      generate({
        "kled/test/v1/twice.proto": `
          syntax = "proto3";
          package kled.test.v1;
          service Foo { rpc Do(Req) returns (Req); }
          service createFoo { rpc Do(Req) returns (Req); }
          message Req {}
        `,
      }),
    ).toThrow(
      'kled/test/v1/twice.proto: service kled.test.v1.createFoo and service kled.test.v1.Foo both generate the export "createFooClient"; rename one of them',
    );
  });
});
