/**
 * Reflection could not give the descriptors asked for: the node does not
 * serve reflection, cannot be reached, or answered with something other than
 * what was asked. The message names the node's address and what failed.
 */
export class ReflectionError extends Error {
  override readonly name = "ReflectionError";
}
