/**
 * Checks a configuration value (parsed JSON, or an object written in code)
 * field by field, so that a typo or a wrong unit fails at start-up with the
 * file and the field named, not as odd behaviour under load.
 */
import { Code, codeName } from "../errors/code.js";
import type {
  BreakerConfig,
  BulkheadConfig,
  CodeName,
  MethodPolicyConfig,
  ResilienceConfig,
  RetryConfig,
  ServiceConfig,
  ServicePolicyConfig,
} from "./config.js";

/** A configuration that does not validate; the message names the source and the field. */
export class ResilienceConfigError extends Error {
  override readonly name = "ResilienceConfigError";
}

/** Code names as written in configuration, e.g. `UNAVAILABLE`, to their codes. */
export const CODES_BY_NAME: ReadonlyMap<string, Code> = new Map(
  Object.values(Code)
    .filter((code) => code !== Code.Ok)
    .map((code) => [codeName(code), code]),
);

type Fields = Record<string, unknown>;

/**
 * Returns `value` as a {@link ResilienceConfig}, or throws a
 * {@link ResilienceConfigError} naming `source` (a file path, or "code") and
 * the first wrong field.
 */
export function validateResilienceConfig(value: unknown, source = "resilience config"): ResilienceConfig {
  const at = new Checker(source);
  const root = at.object(value, "");
  at.only(root, "", ["defaults", "services"]);
  if (root["defaults"] !== undefined) servicePolicy(at, root["defaults"], "defaults", false);
  if (root["services"] !== undefined) {
    const services = at.object(root["services"], "services");
    for (const [name, entry] of Object.entries(services)) servicePolicy(at, entry, `services[${JSON.stringify(name)}]`, true);
  }
  return value as ResilienceConfig;
}

function servicePolicy(at: Checker, value: unknown, path: string, withMethods: boolean): ServiceConfig {
  const fields = at.object(value, path);
  at.only(fields, path, ["timeoutMs", "retry", "breaker", "bulkhead", ...(withMethods ? ["methods"] : [])]);
  methodPolicy(at, { timeoutMs: fields["timeoutMs"], retry: fields["retry"] }, path);
  if (fields["breaker"] !== undefined) breaker(at, fields["breaker"], `${path}.breaker`);
  if (fields["bulkhead"] !== undefined) bulkhead(at, fields["bulkhead"], `${path}.bulkhead`);
  if (fields["methods"] !== undefined) {
    const methods = at.object(fields["methods"], `${path}.methods`);
    for (const [name, entry] of Object.entries(methods)) {
      const methodPath = `${path}.methods.${name}`;
      const method = at.object(entry, methodPath);
      for (const key of ["breaker", "bulkhead"]) {
        if (key in method) {
          at.fail(
            `${methodPath}.${key}`,
            "is set on a method; the breaker is per node and the bulkhead per service, so set it on the service",
          );
        }
      }
      at.only(method, methodPath, ["timeoutMs", "retry"]);
      methodPolicy(at, method, methodPath);
    }
  }
  return fields as ServicePolicyConfig;
}

function methodPolicy(at: Checker, fields: Fields, path: string): MethodPolicyConfig {
  if (fields["timeoutMs"] !== undefined) at.positive(fields["timeoutMs"], `${path}.timeoutMs`, "milliseconds");
  if (fields["retry"] !== undefined) retry(at, fields["retry"], `${path}.retry`);
  return fields as MethodPolicyConfig;
}

function retry(at: Checker, value: unknown, path: string): RetryConfig {
  const fields = at.object(value, path);
  at.only(fields, path, ["enabled", "maxAttempts", "initialDelayMs", "maxDelayMs", "codes", "allowNonIdempotent"]);
  at.boolean(fields["enabled"], `${path}.enabled`);
  at.boolean(fields["allowNonIdempotent"], `${path}.allowNonIdempotent`);
  at.integer(fields["maxAttempts"], `${path}.maxAttempts`, 1);
  at.nonNegative(fields["initialDelayMs"], `${path}.initialDelayMs`);
  at.nonNegative(fields["maxDelayMs"], `${path}.maxDelayMs`);
  const codes = fields["codes"];
  if (codes !== undefined) {
    if (!Array.isArray(codes)) at.fail(`${path}.codes`, `is ${describe(codes)}; use a list of code names such as ["UNAVAILABLE"]`);
    codes.forEach((code: unknown, index) => codeOf(at, code, `${path}.codes[${index}]`));
  }
  return fields as RetryConfig;
}

function breaker(at: Checker, value: unknown, path: string): BreakerConfig {
  const fields = at.object(value, path);
  at.only(fields, path, ["enabled", "kind", "threshold", "samplingDurationMs", "minimumRps", "halfOpenAfterMs"]);
  at.boolean(fields["enabled"], `${path}.enabled`);
  const kind = fields["kind"] ?? "consecutive";
  switch (kind) {
    case "consecutive":
      at.integer(fields["threshold"], `${path}.threshold`, 1);
      for (const key of ["samplingDurationMs", "minimumRps"]) {
        if (fields[key] !== undefined) at.fail(`${path}.${key}`, 'applies to kind "sampling" only; remove it or set kind "sampling"');
      }
      break;
    case "sampling": {
      const threshold = fields["threshold"];
      if (threshold !== undefined && !(typeof threshold === "number" && threshold > 0 && threshold <= 1)) {
        at.fail(`${path}.threshold`, `is ${describe(threshold)}; for kind "sampling" use the failing share, above 0 and at most 1`);
      }
      at.positive(fields["samplingDurationMs"], `${path}.samplingDurationMs`, "milliseconds");
      at.nonNegative(fields["minimumRps"], `${path}.minimumRps`);
      break;
    }
    default:
      at.fail(`${path}.kind`, `is ${describe(kind)}; use "consecutive" or "sampling"`);
  }
  at.nonNegative(fields["halfOpenAfterMs"], `${path}.halfOpenAfterMs`);
  return fields as BreakerConfig;
}

function bulkhead(at: Checker, value: unknown, path: string): BulkheadConfig {
  const fields = at.object(value, path);
  at.only(fields, path, ["enabled", "limit", "queue"]);
  at.boolean(fields["enabled"], `${path}.enabled`);
  at.integer(fields["limit"], `${path}.limit`, 1);
  at.integer(fields["queue"], `${path}.queue`, 0);
  return fields as BulkheadConfig;
}

/** The code a configured name stands for. */
export function codeOf(at: Checker, name: unknown, path: string): Code {
  const code = typeof name === "string" ? CODES_BY_NAME.get(name) : undefined;
  if (code === undefined) {
    at.fail(path, `is ${describe(name)}; use a status code name such as "UNAVAILABLE" (one of ${[...CODES_BY_NAME.keys()].join(", ")})`);
  }
  return code;
}

/** The codes configured names stand for; `names` has been validated. */
export function codesOf(names: readonly CodeName[]): Code[] {
  const at = new Checker("retry codes");
  return names.map((name, index) => codeOf(at, name, `[${index}]`));
}

/** Field checks that fail with the source and the path of the field. */
export class Checker {
  constructor(private readonly source: string) {}

  fail(path: string, problem: string): never {
    throw new ResilienceConfigError(`${this.source}: ${path === "" ? "the configuration" : path} ${problem}`);
  }

  object(value: unknown, path: string): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(path, `is ${describe(value)}; expected an object`);
    }
    return value as Fields;
  }

  only(fields: Fields, path: string, known: readonly string[]): void {
    for (const key of Object.keys(fields)) {
      if (!known.includes(key)) {
        this.fail(path === "" ? key : `${path}.${key}`, `is not a known field; use one of ${known.join(", ")}`);
      }
    }
  }

  boolean(value: unknown, path: string): void {
    if (value !== undefined && typeof value !== "boolean") this.fail(path, `is ${describe(value)}; use true or false`);
  }

  integer(value: unknown, path: string, min: number): void {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min)) {
      this.fail(path, `is ${describe(value)}; use an integer of at least ${min}`);
    }
  }

  positive(value: unknown, path: string, unit: string): void {
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      this.fail(path, `is ${describe(value)}; use a positive number of ${unit}`);
    }
  }

  nonNegative(value: unknown, path: string): void {
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      this.fail(path, `is ${describe(value)}; use a number of at least 0`);
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}
