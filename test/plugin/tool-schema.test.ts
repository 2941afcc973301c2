import { beforeAll, describe, expect, it } from "vitest";
import { compileTools, toolProto, type Compiled } from "./support/tools.js";

/**
 * The JSON Schema of every kind of field, from one inline proto compiled once
 * (each compile runs `buf build`). Exact schemas: the schemas are the
 * contract a gateway hands to MCP clients.
 */
const kinds = toolProto(
  `
  // Request has one field of every kind.
  message Request {
    double f_double = 1;
    float f_float = 2;
    int64 f_int64 = 3;
    uint64 f_uint64 = 4;
    int32 f_int32 = 5;
    fixed64 f_fixed64 = 6;
    fixed32 f_fixed32 = 7;
    bool f_bool = 8;
    string f_string = 9;
    bytes f_bytes = 10;
    uint32 f_uint32 = 11;
    sfixed32 f_sfixed32 = 12;
    sfixed64 f_sfixed64 = 13;
    sint32 f_sint32 = 14;
    sint64 f_sint64 = 15;
    // The color, if known.
    Color color = 16;
    repeated string tags = 17;
    repeated Color colors = 18;
    map<string, int32> counts = 19;
    map<int64, string> by_id = 20;
    map<bool, string> by_flag = 21;
    map<uint32, Leaf> leaves = 22;
    optional int32 maybe = 23;
    string renamed = 24 [json_name = "custom_name"];
    string old = 25 [deprecated = true];
    google.protobuf.NullValue nothing = 26;
  }
  // Color of a thing.
  enum Color {
    COLOR_UNSPECIFIED = 0;
    // Like blood.
    COLOR_RED = 1;
    COLOR_BLUE = 2;
  }
  // Leaf is used twice, so it is defined once.
  message Leaf { string name = 1; }
  message Response {
    // Used once: inline, with the field's comment before the message's.
    Single single = 1;
    Leaf first = 2;
    Leaf second = 3;
    Tree tree = 4;
    Response again = 5;
    oneof choice {
      string text = 6;
      int32 number = 7;
    }
  }
  // Single appears once.
  message Single { bool on = 1; }
  // Tree contains itself.
  message Tree { repeated Tree children = 1; string label = 2; }
`,
  { imports: ["google/protobuf/struct.proto"] },
);

const wellKnown = toolProto(
  `
  message Request {
    google.protobuf.Timestamp at = 1;
    google.protobuf.Duration timeout = 2;
    google.protobuf.Struct data = 3;
    google.protobuf.Value any_json = 4;
    google.protobuf.ListValue list = 5;
    google.protobuf.Int64Value big = 6;
    google.protobuf.DoubleValue ratio = 7;
    google.protobuf.StringValue label = 8;
    google.protobuf.BoolValue flag = 9;
    google.protobuf.BytesValue blob = 10;
    google.protobuf.UInt32Value small = 11;
    google.protobuf.Empty nothing = 12;
    google.protobuf.FieldMask mask = 13;
    google.protobuf.Any packed = 14;
    // When it happened.
    google.protobuf.Timestamp described = 15;
    oneof a { string a1 = 16; string a2 = 17; string a3 = 18; }
    oneof b { int32 b1 = 19; int32 b2 = 20; }
    oneof single { int32 s1 = 21; }
  }
  message Response {}
`,
  {
    imports: [
      "google/protobuf/any.proto",
      "google/protobuf/duration.proto",
      "google/protobuf/empty.proto",
      "google/protobuf/field_mask.proto",
      "google/protobuf/struct.proto",
      "google/protobuf/timestamp.proto",
      "google/protobuf/wrappers.proto",
    ],
  },
);

const signed64 = { type: ["integer", "string"], pattern: "^-?[0-9]+$" };
const unsigned64 = { type: ["integer", "string"], pattern: "^[0-9]+$", minimum: 0 };
const int32 = { type: "integer", minimum: -2147483648, maximum: 2147483647 };
const uint32 = { type: "integer", minimum: 0, maximum: 4294967295 };
const float = { anyOf: [{ type: "number" }, { enum: ["NaN", "Infinity", "-Infinity"] }] };

describe("JSON Schema of field kinds", () => {
  let compiled: Compiled;
  let input: Record<string, unknown>;
  let props: Record<string, unknown>;
  beforeAll(() => {
    compiled = compileTools(kinds);
    input = compiled.tool("call").inputSchema;
    props = input["properties"] as Record<string, unknown>;
  });

  it("is an object of the request's fields by JSON name, and no others, described by the message's comment", () => {
    expect(input["type"]).toBe("object");
    expect(input["description"]).toBe("Request has one field of every kind.");
    expect(input["additionalProperties"]).toBe(false);
    expect(input["$schema"]).toBeUndefined();
    expect(Object.keys(props)).toEqual([
      "fDouble", "fFloat", "fInt64", "fUint64", "fInt32", "fFixed64", "fFixed32", "fBool", "fString", "fBytes",
      "fUint32", "fSfixed32", "fSfixed64", "fSint32", "fSint64", "color", "tags", "colors", "counts", "byId",
      "byFlag", "leaves", "maybe", "custom_name", "old", "nothing",
    ]);
  });

  it("writes scalars as proto3 JSON does: 64-bit integers as strings or integers, bytes as base64, non-finite floats as strings", () => {
    expect(props).toMatchObject({
      fDouble: float,
      fFloat: float,
      fInt64: signed64,
      fSint64: signed64,
      fSfixed64: signed64,
      fUint64: unsigned64,
      fFixed64: unsigned64,
      fInt32: int32,
      fSint32: int32,
      fSfixed32: int32,
      fUint32: uint32,
      fFixed32: uint32,
      fBool: { type: "boolean" },
      fString: { type: "string" },
      fBytes: { type: "string", contentEncoding: "base64" },
    });
  });

  it("writes enums as their value names, with the comments of the field, the enum and its values", () => {
    expect(props["color"]).toEqual({
      $ref: "#/$defs/kled.test.v1.Color",
      description: "The color, if known.",
    });
    expect((input["$defs"] as Record<string, unknown>)["kled.test.v1.Color"]).toEqual({
      type: "string",
      description: "Color of a thing.\n\n- COLOR_RED: Like blood.",
      enum: ["COLOR_UNSPECIFIED", "COLOR_RED", "COLOR_BLUE"],
    });
    expect(props["nothing"]).toEqual({ type: "null" });
  });

  it("writes repeated fields as arrays and maps as objects whose keys are the key's text", () => {
    expect(props["tags"]).toEqual({ type: "array", items: { type: "string" } });
    expect(props["colors"]).toEqual({ type: "array", items: { $ref: "#/$defs/kled.test.v1.Color" } });
    expect(props["counts"]).toEqual({ type: "object", additionalProperties: int32 });
    expect(props["byId"]).toEqual({ type: "object", propertyNames: { pattern: "^-?[0-9]+$" }, additionalProperties: { type: "string" } });
    expect(props["byFlag"]).toEqual({ type: "object", propertyNames: { enum: ["true", "false"] }, additionalProperties: { type: "string" } });
    expect(props["leaves"]).toEqual({
      type: "object",
      propertyNames: { pattern: "^[0-9]+$" },
      additionalProperties: {
        type: "object",
        description: "Leaf is used twice, so it is defined once.",
        properties: { name: { type: "string" } },
        additionalProperties: false,
      },
    });
  });

  it("requires nothing in proto3 (optional included), honours json_name and marks deprecated fields", () => {
    expect(input["required"]).toBeUndefined();
    expect(props["maybe"]).toEqual(int32);
    expect(props["custom_name"]).toEqual({ type: "string" });
    expect(props["old"]).toEqual({ type: "string", deprecated: true });
    expect(input["oneOf"]).toBeUndefined();
  });

  it("inlines a message used once, defines reused and recursive ones in $defs, and refers to the root as #", () => {
    const output = compiled.tool("call").outputSchema;
    const out = output["properties"] as Record<string, unknown>;
    expect(out["single"]).toEqual({
      type: "object",
      description: "Used once: inline, with the field's comment before the message's.\n\nSingle appears once.",
      properties: { on: { type: "boolean" } },
      additionalProperties: false,
    });
    expect(out["first"]).toEqual({ $ref: "#/$defs/kled.test.v1.Leaf" });
    expect(out["second"]).toEqual({ $ref: "#/$defs/kled.test.v1.Leaf" });
    expect(out["tree"]).toEqual({ $ref: "#/$defs/kled.test.v1.Tree" });
    expect(out["again"]).toEqual({ $ref: "#" });
    expect(output["$defs"]).toEqual({
      "kled.test.v1.Leaf": {
        type: "object",
        description: "Leaf is used twice, so it is defined once.",
        properties: { name: { type: "string" } },
        additionalProperties: false,
      },
      "kled.test.v1.Tree": {
        type: "object",
        description: "Tree contains itself.",
        properties: {
          children: { type: "array", items: { $ref: "#/$defs/kled.test.v1.Tree" } },
          label: { type: "string" },
        },
        additionalProperties: false,
      },
    });
  });

  it("allows at most one member of a oneof", () => {
    const output = compiled.tool("call").outputSchema;
    expect(output["oneOf"]).toEqual([
      { required: ["text"] },
      { required: ["number"] },
      { properties: { text: false, number: false } },
    ]);
  });
});

describe("JSON Schema of well-known types", () => {
  let props: Record<string, unknown>;
  let input: Record<string, unknown>;
  beforeAll(() => {
    input = compileTools(wellKnown).tool("call").inputSchema;
    props = input["properties"] as Record<string, unknown>;
  });

  it("writes each as its proto3 JSON, inline", () => {
    expect(props).toEqual(
      expect.objectContaining({
        at: { type: "string", format: "date-time" },
        timeout: {
          type: "string",
          description: 'A duration in seconds with an "s" suffix, e.g. "1.5s".',
          pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
        },
        data: { type: "object" },
        anyJson: {},
        list: { type: "array" },
        big: { type: ["integer", "string", "null"], pattern: "^-?[0-9]+$" },
        ratio: { anyOf: [{ type: "number" }, { enum: ["NaN", "Infinity", "-Infinity"] }, { type: "null" }] },
        label: { type: ["string", "null"] },
        flag: { type: ["boolean", "null"] },
        blob: { type: ["string", "null"], contentEncoding: "base64" },
        small: { type: ["integer", "null"], minimum: 0, maximum: 4294967295 },
        nothing: { type: "object", properties: {}, additionalProperties: false },
        mask: { type: "string", description: 'Field paths in lowerCamelCase, comma-separated, e.g. "name,price.amount".' },
        packed: {
          type: "object",
          description: 'A message of any type: "@type" is "type.googleapis.com/" and its full name; its fields follow.',
          properties: { "@type": { type: "string" } },
        },
        described: { type: "string", description: "When it happened.", format: "date-time" },
      }),
    );
    expect(input["$defs"]).toBeUndefined();
  });

  it("combines several oneofs with allOf, and leaves a oneof of one field alone", () => {
    expect(input["oneOf"]).toBeUndefined();
    expect(input["allOf"]).toEqual([
      {
        oneOf: [
          { required: ["a1"] },
          { required: ["a2"] },
          { required: ["a3"] },
          { properties: { a1: false, a2: false, a3: false } },
        ],
      },
      { oneOf: [{ required: ["b1"] }, { required: ["b2"] }, { properties: { b1: false, b2: false } }] },
    ]);
  });
});

describe("JSON Schema of presence", () => {
  it("requires proto2 required fields only", () => {
    const compiled = compileTools(
      toolProto(
        `
        message Request {
          required string id = 1;
          optional string note = 2;
          repeated string tags = 3;
          required Inner inner = 4;
        }
        message Inner { required int32 n = 1; optional int32 m = 2; }
        message Response {}
      `,
        { syntax: 'syntax = "proto2";' },
      ),
    );
    const input = compiled.tool("call").inputSchema;
    expect(input["required"]).toEqual(["id", "inner"]);
    expect((input["properties"] as Record<string, Record<string, unknown>>)["inner"]?.["required"]).toEqual(["n"]);
  });

  it("requires editions fields with LEGACY_REQUIRED presence only", () => {
    const compiled = compileTools(
      toolProto(
        `
        message Request {
          string id = 1 [features.field_presence = LEGACY_REQUIRED];
          string note = 2;
          string plain = 3 [features.field_presence = IMPLICIT];
        }
        message Response {}
      `,
        { syntax: 'edition = "2023";' },
      ),
    );
    expect(compiled.tool("call").inputSchema["required"]).toEqual(["id"]);
  });
});
