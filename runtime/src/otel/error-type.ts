import { codeName } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";

/**
 * The `error.type` of a failure: a KledError's status name (`UNAVAILABLE`),
 * else the error's class name, as the conventions suggest, else `_OTHER`.
 */
export function errorTypeOf(error: unknown): string {
  if (error instanceof KledError) return codeName(error.code);
  if (error instanceof Error) return error.name;
  return "_OTHER";
}
