import { join } from "node:path";

/** The repository root, where npm scripts and node_modules/.bin live. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..");

/** The path of a bench program, e.g. `benchProgram("rpc", "load.ts")`. */
export function benchProgram(...segments: string[]): string {
  return join(REPO_ROOT, "bench", ...segments);
}
