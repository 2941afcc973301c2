import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";

/**
 * Tool parameters declared once: each {@link Param} yields both its JSON
 * Schema (published in ListTools) and the check applied to call arguments,
 * so what a tool advertises and what it accepts cannot drift apart.
 */

/** One tool parameter: its JSON Schema and how to read it from the arguments. */
export interface Param<T> {
  readonly schema: JsonObject;
  readonly required: boolean;
  /** Returns the value, or a phrase saying what was expected ("a finite number"). */
  read(value: JsonValue | undefined): { ok: true; value: T } | { ok: false; expected: string };
}

/** The parameters of a tool, by argument name. */
export type Params = Readonly<Record<string, Param<unknown>>>;

/** The typed arguments that {@link readArguments} returns for `P`. */
export type ArgumentsOf<P extends Params> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };

/** A required finite number. */
export function numberParam(description: string): Param<number> {
  return {
    schema: { type: "number", description },
    required: true,
    read: (value) =>
      typeof value === "number" && Number.isFinite(value) ? { ok: true, value } : { ok: false, expected: "a finite number" },
  };
}

/** An integer in [minimum, maximum]; optional with `fallback` when given. */
export function integerParam(
  description: string,
  range: { minimum: number; maximum: number; fallback?: number },
): Param<number> {
  const expected = `an integer from ${range.minimum} to ${range.maximum}`;
  return {
    schema: {
      type: "integer",
      description,
      minimum: range.minimum,
      maximum: range.maximum,
      ...(range.fallback === undefined ? {} : { default: range.fallback }),
    },
    required: range.fallback === undefined,
    read: (value) => {
      if (value === undefined && range.fallback !== undefined) return { ok: true, value: range.fallback };
      return typeof value === "number" && Number.isInteger(value) && value >= range.minimum && value <= range.maximum
        ? { ok: true, value }
        : { ok: false, expected };
    },
  };
}

/** A required string of at most `maxLength` characters, matching `pattern` when given. */
export function stringParam(
  description: string,
  limits: { maxLength: number; minLength?: number; pattern?: string },
): Param<string> {
  const minLength = limits.minLength ?? 0;
  const pattern = limits.pattern === undefined ? undefined : new RegExp(limits.pattern, "u");
  const expected =
    `a string of ${minLength} to ${limits.maxLength} characters` +
    (limits.pattern === undefined ? "" : ` matching ${limits.pattern}`);
  return {
    schema: {
      type: "string",
      description,
      maxLength: limits.maxLength,
      ...(minLength > 0 ? { minLength } : {}),
      ...(limits.pattern === undefined ? {} : { pattern: limits.pattern }),
    },
    required: true,
    read: (value) => {
      if (typeof value !== "string") return { ok: false, expected };
      // JSON Schema counts code points, not UTF-16 units.
      const length = [...value].length;
      const fits = length >= minLength && length <= limits.maxLength && (pattern?.test(value) ?? true);
      return fits ? { ok: true, value } : { ok: false, expected };
    },
  };
}

/** A JSON scalar that a key-value store can hold: string, number or boolean. */
export type Scalar = string | number | boolean;

/** A required string, finite number or boolean. */
export function scalarParam(description: string): Param<Scalar> {
  return {
    schema: { type: ["string", "number", "boolean"], description },
    required: true,
    read: (value) =>
      typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))
        ? { ok: true, value }
        : { ok: false, expected: "a string, a finite number or a boolean" },
  };
}

/** The JSON Schema of a tool's arguments: an object with exactly `params`. */
export function inputSchema(params: Params): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const [name, param] of Object.entries(params)) {
    properties[name] = param.schema;
    if (param.required) required.push(name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/**
 * Checks call arguments against `params`: every argument known, every
 * required one present, every value valid. Answers INVALID_ARGUMENT naming
 * the tool, the argument and the value otherwise.
 */
export function readArguments<P extends Params>(tool: string, params: P, args: JsonObject): ArgumentsOf<P> {
  for (const name of Object.keys(args)) {
    if (!Object.hasOwn(params, name)) {
      const known = Object.keys(params).map((n) => `"${n}"`).join(", ") || "none";
      throw new KledError(
        Code.InvalidArgument,
        `tool "${tool}": unknown argument "${name}"; the tool accepts ${known}`,
      );
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(params)) {
    const value = args[name];
    const read = param.read(value);
    if (!read.ok) {
      const got = value === undefined ? "it is missing" : `got ${describe(value)}`;
      throw new KledError(Code.InvalidArgument, `tool "${tool}": argument "${name}" must be ${read.expected}; ${got}`);
    }
    values[name] = read.value;
  }
  return values as ArgumentsOf<P>;
}

/** A value for an error message: JSON, cut short so a huge argument cannot flood logs. */
function describe(value: JsonValue): string {
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}
