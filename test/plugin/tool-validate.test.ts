import { createRequire } from "node:module";
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { Ajv2020 } from "ajv/dist/2020.js";
import type { FormatsPlugin } from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { compileTools, toolProto, type Compiled } from "./support/tools.js";

/**
 * Generated schemas against real proto3 JSON: a sample as a client would send
 * it is parsed by protobuf-es (so proto3 JSON accepts it) and written back by
 * protobuf-es (what a server returns), and both must pass the schema under
 * Ajv's 2020-12 validator and under draft-07 Ajv configured as the MCP SDK
 * 1.x client configures it (formats checked), which validates tool results.
 * Samples that proto3 JSON writes differently, or that break the schema's
 * rules, must fail. Ajv comes with the MCP SDK; it is no dependency of ours.
 */
const require = createRequire(import.meta.url);
type AjvCtor = new (options: Record<string, unknown>) => Ajv2020;
const Ajv2020Ctor = (require("ajv/dist/2020") as { default: AjvCtor }).default;
const AjvDraft07 = (require("ajv") as { default: AjvCtor }).default;
const addFormats = (require("ajv-formats") as { default: FormatsPlugin }).default;

type Validate = (schema: Record<string, unknown>, value: unknown) => string | undefined;

function validator(Ajv: AjvCtor): Validate {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv as unknown as Parameters<FormatsPlugin>[0]);
  return (schema, value) => {
    const check = ajv.compile(schema);
    return check(value) ? undefined : ajv.errorsText(check.errors);
  };
}

const validators: [string, Validate][] = [
  ["2020-12", validator(Ajv2020Ctor)],
  ["draft-07 (MCP SDK 1.x)", validator(AjvDraft07)],
];

const proto = toolProto(
  `
  message Request {
    double ratio = 1;
    int64 big = 2;
    uint64 ubig = 3;
    int32 small = 4;
    bool flag = 5;
    bytes blob = 6;
    Color color = 7;
    repeated Leaf leaves = 8;
    map<int32, Leaf> by_number = 9;
    map<string, string> labels = 10;
    google.protobuf.Timestamp at = 11;
    google.protobuf.Duration timeout = 12;
    google.protobuf.Struct data = 13;
    google.protobuf.Value value = 14;
    google.protobuf.Int64Value maybe_big = 15;
    google.protobuf.DoubleValue maybe_ratio = 16;
    google.protobuf.FieldMask mask = 17;
    google.protobuf.Empty empty = 18;
    google.protobuf.ListValue list = 19;
    Tree tree = 20;
    oneof choice { string text = 21; Leaf leaf = 22; }
    optional int32 maybe = 23;
    google.protobuf.Any packed = 24;
  }
  enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
  message Leaf { string name = 1; }
  message Tree { repeated Tree children = 1; string label = 2; }
  message Response { Request echo = 1; }
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

const sample = {
  ratio: 0.5,
  big: "-9223372036854775808",
  ubig: 18446744073709551615n.toString(),
  small: -7,
  flag: true,
  blob: Buffer.from("hello").toString("base64"),
  color: "COLOR_RED",
  leaves: [{ name: "a" }, {}],
  byNumber: { "-1": { name: "minus one" }, "2": {} },
  labels: { "any key": "v" },
  at: "2026-07-28T12:34:56.789Z",
  timeout: "1.5s",
  data: { nested: { list: [1, "two", null] } },
  value: ["any", { json: true }],
  maybeBig: "42",
  maybeRatio: 1.25,
  mask: "ratio,leaves.name",
  empty: {},
  list: [1, "x", false],
  tree: { label: "root", children: [{ label: "kid", children: [{}] }] },
  leaf: { name: "chosen" },
  maybe: 0,
  packed: { "@type": "type.googleapis.com/kled.test.v1.Leaf", name: "inside" },
};

describe("generated schemas validate proto3 JSON", () => {
  let compiled: Compiled;
  let input: Record<string, unknown>;
  let output: Record<string, unknown>;
  beforeAll(() => {
    compiled = compileTools(proto);
    input = compiled.tool("call").inputSchema;
    output = compiled.tool("call").outputSchema;
  });

  const roundTrip = (json: unknown): JsonValue => {
    const desc = compiled.message("kled.test.v1.Request");
    return toJson(desc, fromJson(desc, json as JsonValue, { registry: compiled.registry }), {
      registry: compiled.registry,
    });
  };

  it.each(validators)("accepts a sample with every field kind and what protobuf-es writes back (%s)", (_, validate) => {
    expect(validate(input, sample)).toBeUndefined();
    const written = roundTrip(sample);
    expect(validate(input, written)).toBeUndefined();
    expect(validate(output, { echo: written })).toBeUndefined();
    expect(validate(output, {})).toBeUndefined();
  });

  it.each(validators)("accepts what proto3 JSON writes for non-finite floats and 64-bit integers given as numbers (%s)", (_, validate) => {
    const written = roundTrip({ ratio: "NaN", maybeRatio: "-Infinity", big: 12, ubig: 7, maybeBig: 3 }) as Record<string, unknown>;
    expect(written).toMatchObject({ ratio: "NaN", maybeRatio: "-Infinity", big: "12", ubig: "7", maybeBig: "3" });
    expect(validate(input, written)).toBeUndefined();
    expect(validate(input, { ratio: "Infinity", big: 12, ubig: 7, maybeBig: null })).toBeUndefined();
  });

  it.each(validators)("refuses what proto3 JSON does not write (%s)", (_, validate) => {
    const refused: [string, Record<string, unknown>][] = [
      ["unknown field", { nope: 1 }],
      ["proto field name", { by_number: {} }],
      ["two members of a oneof", { text: "x", leaf: {} }],
      ["int64 text", { big: "12abc" }],
      ["negative uint64", { ubig: "-1" }],
      ["int32 out of range", { small: 2147483648 }],
      ["fractional int32", { small: 1.5 }],
      ["float text", { ratio: "lots" }],
      ["enum number", { color: 1 }],
      ["unknown enum name", { color: "COLOR_GREEN" }],
      ["timestamp text", { at: "yesterday" }],
      ["duration without unit", { timeout: "15" }],
      ["map key not an integer", { byNumber: { one: {} } }],
      ["unknown field in a recursive message", { tree: { children: [{ bogus: 1 }] } }],
      ["string for a message", { leaf: "x" }],
    ];
    for (const [what, value] of refused) {
      expect(validate(input, value), what).toBeDefined();
    }
  });

  it("matches the parser on the samples it refuses that proto3 JSON also rejects", () => {
    const desc = compiled.message("kled.test.v1.Request");
    for (const value of [{ nope: 1 }, { big: "12abc" }, { small: 2147483648 }, { text: "x", leaf: {} }, { timeout: "15" }]) {
      expect(() => fromJson(desc, value, { registry: compiled.registry }), JSON.stringify(value)).toThrow();
    }
  });
});
