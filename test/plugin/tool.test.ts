import { describe, expect, it } from "vitest";
import { expectBlock } from "./support/expect-lines.js";
import { generate, linesOf } from "./support/run-plugin.js";
import { toolsIn } from "./support/tools.js";

const messages = `
  // Request asks.
  message Request { string q = 1; }
  // Response answers.
  message Response { string a = 1; }
`;

function serviceProto(rpcs: string, imports = ""): string {
  return `
    syntax = "proto3";
    package kled.test.v1;
    import "kled/options/v1/options.proto";
    ${imports}
    service ShopService {
      ${rpcs}
    }
    ${messages}
  `;
}

describe("tool option", () => {
  it("writes the tool into the definition as a JSON literal; other methods keep their one line", () => {
    const files = generate({
      "kled/test/v1/shop.proto": serviceProto(`
        // Finds things.
        // Second line.
        rpc FindThings(Request) returns (Response) {
          option (kled.options.v1.tool) = { title: "Find things" read_only: true };
        }
        rpc Plain(Request) returns (Response);
      `),
    });
    const lines = linesOf(files, "kled/test/v1/shop_kled.ts");
    expectBlock(lines, [
      "export const ShopServiceDefinition: ServiceDefinition = /*@__PURE__*/ defineService(ShopService, {",
      "  findThings: {",
      '    idempotency: "unknown",',
      "    tool: {",
      '      "name": "find_things",',
      '      "title": "Find things",',
      '      "description": "Finds things.\\nSecond line.",',
      '      "annotations": {',
      '        "title": "Find things",',
      '        "readOnlyHint": true',
      "      },",
      '      "inputSchema": {',
      '        "type": "object",',
      '        "description": "Request asks.",',
      '        "properties": {',
      '          "q": {',
      '            "type": "string"',
      "          }",
      "        },",
      '        "additionalProperties": false',
      "      },",
      '      "outputSchema": {',
      '        "type": "object",',
      '        "description": "Response answers.",',
      '        "properties": {',
      '          "a": {',
      '            "type": "string"',
      "          }",
      "        },",
      '        "additionalProperties": false',
      "      }",
      "    },",
      "  },",
      '  plain: { idempotency: "unknown" },',
      "});",
    ]);
  });

  it("names a tool after its method in snake_case unless the option names it", () => {
    const files = generate({
      "kled/test/v1/shop.proto": serviceProto(`
        rpc GetItem(Request) returns (Response) { option (kled.options.v1.tool) = {}; }
        rpc ListHTTPRoutes(Request) returns (Response) { option (kled.options.v1.tool) = {}; }
        rpc V2Check(Request) returns (Response) { option (kled.options.v1.tool) = {}; }
        rpc Renamed(Request) returns (Response) { option (kled.options.v1.tool) = { name: "shop.renamed-v2" }; }
      `),
    });
    const tools = toolsIn(files, "kled/test/v1/shop_kled.ts");
    expect([...tools].map(([method, tool]) => `${method}=${tool.name}`)).toEqual([
      "getItem=get_item",
      "listHTTPRoutes=list_http_routes",
      "v2Check=v2_check",
      "renamed=shop.renamed-v2",
    ]);
  });

  it("writes the hints that are set, fills unset ones from idempotency_level, and leaves the rest to MCP's defaults", () => {
    const files = generate({
      "kled/test/v1/shop.proto": serviceProto(`
        rpc Bare(Request) returns (Response) { option (kled.options.v1.tool) = {}; }
        rpc Lookup(Request) returns (Response) {
          option idempotency_level = NO_SIDE_EFFECTS;
          option (kled.options.v1.tool) = {};
        }
        rpc Put(Request) returns (Response) {
          option idempotency_level = IDEMPOTENT;
          option (kled.options.v1.tool) = { destructive: true open_world: false };
        }
        rpc Add(Request) returns (Response) {
          option (kled.options.v1.tool) = { read_only: false destructive: false idempotent: false open_world: true };
        }
      `),
    });
    const tools = toolsIn(files, "kled/test/v1/shop_kled.ts");
    expect(tools.get("bare")?.["annotations"]).toBeUndefined();
    expect(tools.get("bare")?.["title"]).toBeUndefined();
    expect(tools.get("bare")?.["description"]).toBeUndefined();
    expect(tools.get("lookup")?.["annotations"]).toEqual({ readOnlyHint: true, idempotentHint: true });
    expect(tools.get("put")?.["annotations"]).toEqual({ destructiveHint: true, idempotentHint: true, openWorldHint: false });
    expect(tools.get("add")?.["annotations"]).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
  });

  it("refuses an invalid tool name, naming the method and the value", () => {
    for (const name of ["get item", "ü", "a/b", "a".repeat(129)]) {
      expect(() =>
        generate({
          "kled/test/v1/shop.proto": serviceProto(
            `rpc GetItem(Request) returns (Response) { option (kled.options.v1.tool) = { name: ${JSON.stringify(name)} }; }`,
          ),
        }),
      ).toThrow(
        `method kled.test.v1.ShopService.GetItem: invalid tool name ${JSON.stringify(name)} in option (kled.options.v1.tool); ` +
          'use 1-128 letters, digits, "_", "." or "-"',
      );
    }
    expect(() =>
      generate({
        "kled/test/v1/shop.proto": serviceProto(
          `rpc GetItem(Request) returns (Response) { option (kled.options.v1.tool) = { name: "${"a".repeat(128)}" }; }`,
        ),
      }),
    ).not.toThrow();
  });

  it.each([
    ["server-streaming", "rpc Watch(Request) returns (stream Response)"],
    ["client-streaming", "rpc Watch(stream Request) returns (Response)"],
    ["bidi-streaming", "rpc Watch(stream Request) returns (stream Response)"],
  ])("refuses the option on a %s method", (kind, rpc) => {
    expect(() =>
      generate({ "kled/test/v1/shop.proto": serviceProto(`${rpc} { option (kled.options.v1.tool) = {}; }`) }),
    ).toThrow(
      `method kled.test.v1.ShopService.Watch: option (kled.options.v1.tool) on a ${kind} method; only unary methods can be MCP tools`,
    );
  });

  it("refuses two methods of a service under one tool name", () => {
    expect(() =>
      generate({
        "kled/test/v1/shop.proto": serviceProto(`
          rpc GetItem(Request) returns (Response) { option (kled.options.v1.tool) = {}; }
          rpc Fetch(Request) returns (Response) { option (kled.options.v1.tool) = { name: "get_item" }; }
        `),
      }),
    ).toThrow('service kled.test.v1.ShopService: methods GetItem and Fetch are both the tool "get_item"');
  });

  it("refuses a read-only tool that says it is destructive, whichever way it is read-only", () => {
    expect(() =>
      generate({
        "kled/test/v1/shop.proto": serviceProto(
          `rpc Get(Request) returns (Response) { option (kled.options.v1.tool) = { read_only: true destructive: true }; }`,
        ),
      }),
    ).toThrow("method kled.test.v1.ShopService.Get: option (kled.options.v1.tool) says destructive, but the method is read-only (read_only)");
    expect(() =>
      generate({
        "kled/test/v1/shop.proto": serviceProto(`
          rpc Get(Request) returns (Response) {
            option idempotency_level = NO_SIDE_EFFECTS;
            option (kled.options.v1.tool) = { destructive: true };
          }
        `),
      }),
    ).toThrow("(idempotency_level = NO_SIDE_EFFECTS)");
  });

  it("refuses a request or response whose proto3 JSON is not an object", () => {
    expect(() =>
      generate({
        "kled/test/v1/shop.proto": serviceProto(
          `rpc Now(Request) returns (google.protobuf.Timestamp) { option (kled.options.v1.tool) = {}; }`,
          'import "google/protobuf/timestamp.proto";',
        ),
      }),
    ).toThrow(
      "method kled.test.v1.ShopService.Now: its response google.protobuf.Timestamp is not a JSON object in proto3 JSON, " +
        "but an MCP tool's arguments and result must be",
    );
    expect(() =>
      generate({
        "kled/test/v1/shop.proto": serviceProto(
          `rpc Echo(google.protobuf.StringValue) returns (Response) { option (kled.options.v1.tool) = {}; }`,
          'import "google/protobuf/wrappers.proto";',
        ),
      }),
    ).toThrow("its request google.protobuf.StringValue is not a JSON object");
  });

  it("accepts Empty, Struct and Any as request and response", () => {
    const files = generate({
      "kled/test/v1/shop.proto": serviceProto(
        `rpc A(google.protobuf.Empty) returns (google.protobuf.Struct) { option (kled.options.v1.tool) = {}; }
         rpc B(google.protobuf.Any) returns (google.protobuf.Empty) { option (kled.options.v1.tool) = {}; }`,
        'import "google/protobuf/empty.proto"; import "google/protobuf/struct.proto"; import "google/protobuf/any.proto";',
      ),
    });
    const tools = toolsIn(files, "kled/test/v1/shop_kled.ts");
    expect(tools.get("a")?.inputSchema).toEqual({ type: "object", properties: {}, additionalProperties: false });
    expect(tools.get("a")?.outputSchema).toEqual({ type: "object" });
    expect(tools.get("b")?.inputSchema["type"]).toBe("object");
  });

  it("writes no tool anywhere when no method carries the option", () => {
    const files = generate({
      "kled/test/v1/shop.proto": serviceProto("rpc Plain(Request) returns (Response);"),
    });
    expect(toolsIn(files, "kled/test/v1/shop_kled.ts").size).toBe(0);
    expect(linesOf(files, "kled/test/v1/shop_kled.ts")).toContain('  plain: { idempotency: "unknown" },');
  });
});
