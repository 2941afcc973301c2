/**
 * A cold import: a fresh `node` process (no tsx, no export conditions, as a
 * deployed service starts) imports one module and reports how long the
 * import took and the process's resident set size right after.
 */
import { runNode } from "./run-node.js";

/** What one cold import measured. */
export interface ImportRun {
  /** Wall time of the `import()`, ms. */
  readonly ms: number;
  /** `process.memoryUsage().rss` right after it, bytes. */
  readonly rssBytes: number;
}

/**
 * The probe, given the specifiers as arguments: imports them in order, timing
 * the imports together, and prints one JSON line. With no specifier it
 * measures a bare process.
 */
const PROBE = [
  "const started = performance.now();",
  "for (const specifier of process.argv.slice(1)) await import(specifier);",
  "const ms = performance.now() - started;",
  "console.log(JSON.stringify({ ms, rssBytes: process.memoryUsage().rss }));",
].join("\n");

/** Imports `specifiers` (file URLs or bare names resolved from the repository root) in a fresh process. */
export function coldImport(specifiers: readonly string[], env: Record<string, string>): Promise<ImportRun> {
  return runNode<ImportRun>(["--input-type=module", "-e", PROBE, ...specifiers], env);
}
