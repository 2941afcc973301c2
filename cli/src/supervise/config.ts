/**
 * The project config file that `kled service start|stop|status|logs` read:
 *
 *   {
 *     "services": [
 *       { "name": "kled.mcp.tools",
 *         "command": ["node", "--conditions=kled:source", "--import", "tsx", "examples/src/mcp/main.ts"],
 *         "instances": 2, "env": { "KEY": "v" }, "cwd": "." }
 *     ],
 *     "runDir": ".kled"
 *   }
 *
 * `name` is the name the service registers under (status matches registry
 * nodes by it). Relative `cwd` and `runDir` are relative to the file's
 * folder. Every field is checked; an error names the file, the field and
 * the value.
 */
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { messageOf } from "@kled/runtime";
import { usageError } from "../cli-error.js";

/** The file looked for in the current directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = "kled.config.json";

/** Where pid and log files go, relative to the config file, when `runDir` is not given. */
export const DEFAULT_RUN_DIR = ".kled";

/** Instances started when the service entry gives no `instances`. */
export const DEFAULT_INSTANCES = 1;

/**
 * Most instances of one service: more processes than this on one host is a
 * typo rather than a plan (and each holds a port and a log file).
 */
export const MAX_INSTANCES = 64;

/** One supervised service, with paths made absolute. */
export interface ServiceConfig {
  name: string;
  command: string[];
  instances: number;
  env: Record<string, string>;
  /** Absolute working directory of its processes. */
  cwd: string;
}

/** A validated config file. */
export interface ProjectConfig {
  /** The file it came from, as given or found. */
  file: string;
  /** Absolute folder holding `<name>/<i>.pid` and `<name>/<i>.log`. */
  runDir: string;
  services: ServiceConfig[];
}

/** Service names double as folder names under runDir: the registry's rule, which excludes "." and "..". */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TOP_LEVEL_KEYS = ["$schema", "services", "runDir"];
const SERVICE_KEYS = ["name", "command", "instances", "env", "cwd"];

/** Reads and validates `file` (default `./kled.config.json`). */
export async function loadConfig(file: string | undefined, cwd: string = process.cwd()): Promise<ProjectConfig> {
  const path = resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
  const shown = file ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw usageError(
        file === undefined
          ? `${DEFAULT_CONFIG_FILE} not found in ${cwd}; create one listing your services, or pass --config FILE`
          : `config file ${shown} not found (${path})`,
      );
    }
    throw usageError(`config file ${shown}: cannot read it: ${messageOf(error)}`);
  }
  return parseConfig(text, shown, dirname(path));
}

/** Validates the text of a config file; `file` names it in errors, `dir` anchors relative paths. */
export function parseConfig(text: string, file: string, dir: string): ProjectConfig {
  const fail = (field: string, problem: string): never => {
    throw usageError(`${file}: ${field}: ${problem}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usageError(`${file}: not valid JSON: ${messageOf(error)}`);
  }
  if (!isObject(json)) return fail("(top level)", `expected an object with "services", got ${describe(json)}`);
  rejectUnknownKeys(json, TOP_LEVEL_KEYS, "", fail);

  const runDir = json["runDir"] ?? DEFAULT_RUN_DIR;
  if (typeof runDir !== "string" || runDir.trim() === "") fail("runDir", `expected a folder path, got ${describe(runDir)}`);
  const services = json["services"];
  if (!Array.isArray(services) || services.length === 0) {
    fail("services", `expected a non-empty array of services, got ${describe(services)}`);
  }
  const parsed = (services as unknown[]).map((entry, i) => parseService(entry, `services[${i}]`, dir, fail));
  const seen = new Set<string>();
  parsed.forEach((service, i) => {
    if (seen.has(service.name)) fail(`services[${i}].name`, `"${service.name}" is listed twice; give each service one entry`);
    seen.add(service.name);
  });
  return { file, runDir: resolve(dir, runDir as string), services: parsed };
}

/** The entry of service `name`; fails listing the names the file has. */
export function serviceConfig(config: ProjectConfig, name: string): ServiceConfig {
  const service = config.services.find((s) => s.name === name);
  if (service === undefined) {
    throw usageError(
      `service "${name}" is not in ${config.file}; it lists: ${config.services.map((s) => s.name).join(", ")}`,
    );
  }
  return service;
}

/** A path for messages: relative to the current directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") ? path : rel;
}

type Fail = (field: string, problem: string) => never;

function parseService(entry: unknown, at: string, dir: string, fail: Fail): ServiceConfig {
  if (!isObject(entry)) return fail(at, `expected an object with "name" and "command", got ${describe(entry)}`);
  rejectUnknownKeys(entry, SERVICE_KEYS, `${at}.`, fail);
  const { name, command, instances = DEFAULT_INSTANCES, env = {}, cwd = "." } = entry;
  if (typeof name !== "string" || !SERVICE_NAME.test(name)) {
    fail(`${at}.name`, `expected the registered service name (letters, digits, ".", "_", "-"), got ${describe(name)}`);
  }
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === "string" && part !== "")) {
    fail(`${at}.command`, `expected a non-empty array of non-empty strings (program, then arguments), got ${describe(command)}`);
  }
  if (typeof instances !== "number" || !Number.isInteger(instances) || instances < 1 || instances > MAX_INSTANCES) {
    fail(`${at}.instances`, `expected a whole number from 1 to ${MAX_INSTANCES}, got ${describe(instances)}`);
  }
  if (!isObject(env)) fail(`${at}.env`, `expected an object of strings, got ${describe(env)}`);
  for (const [key, value] of Object.entries(env as Record<string, unknown>)) {
    if (typeof value !== "string") fail(`${at}.env.${key}`, `expected a string, got ${describe(value)}`);
  }
  if (typeof cwd !== "string" || cwd === "") fail(`${at}.cwd`, `expected a folder path, got ${describe(cwd)}`);
  return {
    name: name as string,
    command: command as string[],
    instances: instances as number,
    env: env as Record<string, string>,
    cwd: resolve(dir, cwd as string),
  };
}

function rejectUnknownKeys(object: Record<string, unknown>, known: readonly string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      fail(`${prefix}${key}`, `unknown field; expected ${known.filter((k) => k !== "$schema").join(", ")}`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
