import { readFileSync } from "node:fs";
import { messageOf } from "../errors/message-of.js";
import type { ResilienceConfig } from "./config.js";
import { ResilienceConfigError, validateResilienceConfig } from "./validate-config.js";

/**
 * Reads and validates a JSON configuration file (see config.ts for the
 * shape). Synchronous on purpose: it runs once at start-up, before a client
 * exists, and a constructor can call it. Throws a {@link ResilienceConfigError}
 * naming the file, and the field when one is wrong.
 */
export function loadResilienceConfig(path: string): ResilienceConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ResilienceConfigError(`${path}: cannot read the resilience configuration: ${messageOf(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResilienceConfigError(`${path}: not valid JSON: ${messageOf(error)}`, { cause: error });
  }
  return validateResilienceConfig(value, path);
}
